// NodeFSStorageAdapter, plus a way to wait for the writes it has started.
//
// Why: automerge-repo 2.5.6 saves a changed document from a throttled
// listener (every 100 ms) that nobody awaits, and `Repo.flush()` /
// `Repo.shutdown()` only await their own save. NodeFSStorageAdapter writes a
// chunk in place (`fs.promises.writeFile`: open with O_TRUNC, then write), so
// when both save the same snapshot key at once and the process exits right
// after the flush, the throttled writer may have truncated the file and not
// yet written it: a 0-byte snapshot. On the next start automerge-repo loads
// that as an empty but *ready* document ({} with no heads), silently. Seen
// in tests/tests/interop.rs (the client restarted on its storage) about once
// in 20 runs under load. Waiting for every started write before exiting
// closes the window.

import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

export class SettlingNodeFSStorageAdapter extends NodeFSStorageAdapter {
  #pending = new Set()

  #track(promise) {
    this.#pending.add(promise)
    promise.then(
      () => this.#pending.delete(promise),
      () => this.#pending.delete(promise),
    )
    return promise
  }

  save(key, binary) {
    return this.#track(super.save(key, binary))
  }

  remove(key) {
    return this.#track(super.remove(key))
  }

  removeRange(keyPrefix) {
    return this.#track(super.removeRange(keyPrefix))
  }

  /** Resolves once no write this adapter started is still running. */
  async settled() {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }
}
