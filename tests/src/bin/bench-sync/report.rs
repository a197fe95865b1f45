//! The table: metric | ours | reference JS | ours/theirs.

/// One figure, or why there is none.
#[derive(Clone, Debug)]
pub enum Cell {
    Value(f64),
    Text(String),
    Timeout,
    Failed,
    NotRun,
}

impl Cell {
    pub fn opt(v: Option<f64>) -> Cell {
        v.map_or(Cell::Timeout, Cell::Value)
    }

    fn show(&self, digits: usize) -> String {
        match self {
            Cell::Value(v) if v.is_finite() => format!("{v:.digits$}"),
            Cell::Value(_) => "n/a".into(),
            Cell::Text(t) => t.clone(),
            Cell::Timeout => "TIMEOUT".into(),
            Cell::Failed => "FAILED".into(),
            Cell::NotRun => "-".into(),
        }
    }
}

pub struct Row {
    pub metric: String,
    pub ours: Cell,
    pub js: Cell,
    pub digits: usize,
}

impl Row {
    fn ratio(&self) -> String {
        match (&self.ours, &self.js) {
            (Cell::Value(a), Cell::Value(b)) if *b != 0.0 && a.is_finite() && b.is_finite() => {
                format!("{:.2}", a / b)
            }
            _ => String::new(),
        }
    }
}

/// Rows of one scenario, filled in per server.
#[derive(Default)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

impl Section {
    pub fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Set `metric` for one server (`ours` true: our server), adding the row
    /// the first time.
    pub fn set(&mut self, metric: &str, digits: usize, ours: bool, cell: Cell) {
        let row = match self.rows.iter_mut().position(|r| r.metric == metric) {
            Some(i) => &mut self.rows[i],
            None => {
                self.rows.push(Row {
                    metric: metric.to_string(),
                    ours: Cell::NotRun,
                    js: Cell::NotRun,
                    digits,
                });
                self.rows.last_mut().expect("just pushed")
            }
        };
        if ours {
            row.ours = cell;
        } else {
            row.js = cell;
        }
    }
}

/// Print sections as one Markdown table.
pub fn print(sections: &[Section]) {
    let mut lines: Vec<[String; 4]> = vec![[
        "metric".into(),
        "ours".into(),
        "reference JS".into(),
        "ours/theirs".into(),
    ]];
    for s in sections {
        if s.rows.is_empty() {
            continue;
        }
        lines.push([format!("**{}**", s.title), "".into(), "".into(), "".into()]);
        for r in &s.rows {
            lines.push([
                r.metric.clone(),
                r.ours.show(r.digits),
                r.js.show(r.digits),
                r.ratio(),
            ]);
        }
    }
    let mut widths = [0usize; 4];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let pad = |s: &str, w: usize, right: bool| {
        let n = w.saturating_sub(s.chars().count());
        if right {
            format!("{}{s}", " ".repeat(n))
        } else {
            format!("{s}{}", " ".repeat(n))
        }
    };
    for (i, l) in lines.iter().enumerate() {
        println!(
            "| {} | {} | {} | {} |",
            pad(&l[0], widths[0], false),
            pad(&l[1], widths[1], true),
            pad(&l[2], widths[2], true),
            pad(&l[3], widths[3], true)
        );
        if i == 0 {
            println!(
                "|{}|{}:|{}:|{}:|",
                "-".repeat(widths[0] + 2),
                "-".repeat(widths[1] + 1),
                "-".repeat(widths[2] + 1),
                "-".repeat(widths[3] + 1)
            );
        }
    }
}
