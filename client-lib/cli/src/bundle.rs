//! `qunjian bundle export|import`: sync by file (docs/BUNDLES.md). The
//! work is `Replica::export_bundle` / `Replica::import_bundle`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use qunjian_client::Replica;

#[derive(Subcommand)]
pub(crate) enum BundleCommand {
    /// Write the changes the county does not yet have to FILE (offline).
    Export {
        /// The bundle file to write, e.g. on a USB stick.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The whole document, not only what the county lacks.
        #[arg(long)]
        all: bool,
    },
    /// Apply a bundle from the county (or a device) to the replica (offline).
    /// A new replica file starts from it: no --doc needed.
    Import {
        /// The bundle file.
        file: PathBuf,
    },
}

impl BundleCommand {
    /// Whether the command can run without --doc.
    pub(crate) fn needs_doc(&self) -> bool {
        matches!(self, BundleCommand::Export { .. })
    }
}

pub(crate) async fn run(
    replica: &Replica,
    doc_url: Option<&str>,
    command: BundleCommand,
) -> anyhow::Result<()> {
    match command {
        BundleCommand::Export { output, all } => {
            let url =
                doc_url.context("没有指定文档：用 --doc 或 QUNJIAN_DOC (no document given)")?;
            let exported = replica.export_bundle(url, all).await?;
            write_atomically(&output, &exported.bytes)?;
            let what = if exported.whole_document {
                "完整文档 (the whole document)"
            } else {
                "县里尚未收到的修改 (the changes the county does not have yet)"
            };
            eprintln!(
                "已导出乡镇 {} 的{what}到 {}（{} 字节）",
                exported.township,
                output.display(),
                exported.bytes.len()
            );
            Ok(())
        }
        BundleCommand::Import { file } => {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("无法读取同步包 {}", file.display()))?;
            let imported = replica
                .import_bundle(&bytes, doc_url)
                .await
                .with_context(|| format!("同步包 {} 未导入，本地数据未改变", file.display()))?;
            println!("{}", imported.url);
            if imported.created {
                eprintln!(
                    "已从同步包建立乡镇 {} 的本地副本，{} 个修改。以后请设置 QUNJIAN_DOC={}",
                    imported.township, imported.new_changes, imported.url
                );
            } else if imported.new_changes == 0 {
                eprintln!("同步包里的修改本地都已有，未改变 (nothing new)");
            } else {
                eprintln!(
                    "已导入乡镇 {} 的 {} 个修改 (imported {} changes)",
                    imported.township, imported.new_changes, imported.new_changes
                );
            }
            Ok(())
        }
    }
}

/// Write beside the target and rename, so a pulled USB stick leaves the
/// old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".part");
    let tmp = path.with_file_name(tmp_name);
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("无法写入 {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("无法写入 {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}
