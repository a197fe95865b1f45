#!/usr/bin/env node
// The reference JavaScript automerge-repo sync server, set up the way a user
// of automerge-repo would run one: a Repo with a WebSocket server adapter and
// a file-system storage adapter, sharing every document with every peer.
//
//   node sync-server.mjs --port <port> --dir <storage dir>
//
// --port 0 picks a free port. When it listens it prints exactly one line,
// `listening on <port>`, to stdout (nothing else goes to stdout). It accepts
// WebSocket connections on any path (the root, ws://127.0.0.1:<port>, is the
// usual one) on 127.0.0.1 only. SIGTERM or SIGINT: it closes the connections,
// flushes storage and exits 0.
//
// The interop tests (tests/tests/interop.rs) and the benchmarks start this
// script with exactly this command line: keep it stable.

import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { SettlingNodeFSStorageAdapter } from "./storage.mjs"
import { WebSocketServer } from "ws"

function usage(message) {
  process.stderr.write(`sync-server: ${message}\nusage: node sync-server.mjs --port <port> --dir <dir>\n`)
  process.exit(2)
}

function parseArgs(argv) {
  const args = { port: undefined, dir: undefined }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag !== "--port" && flag !== "--dir") usage(`unknown argument ${JSON.stringify(flag)}`)
    if (value === undefined) usage(`${flag} needs a value`)
    args[flag.slice(2)] = value
    i++
  }
  if (args.port === undefined || !/^\d+$/.test(args.port) || Number(args.port) > 65535) {
    usage("--port must be a number from 0 to 65535")
  }
  if (!args.dir) usage("--dir is required")
  return { port: Number(args.port), dir: args.dir }
}

const { port, dir } = parseArgs(process.argv.slice(2))

const wss = new WebSocketServer({ host: "127.0.0.1", port })
wss.on("error", (err) => {
  process.stderr.write(`sync-server: ${err.message}\n`)
  process.exit(1)
})
await new Promise((resolve) => wss.once("listening", resolve))

// NodeFSStorageAdapter, which also lets us wait for its writes on the way
// out (storage.mjs says why).
const storage = new SettlingNodeFSStorageAdapter(dir)
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage,
  peerId: `sync-server-${process.pid}`,
  // As automerge-repo's own sync server: keep and serve every document
  // anyone sends or asks for, but announce none, so a device receives only
  // the documents it asks for (our county server does the same).
  sharePolicy: async () => false,
})

process.stdout.write(`listening on ${wss.address().port}\n`)

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  // Never hang on the way out.
  setTimeout(() => {
    process.stderr.write(`sync-server: did not stop within 5s of ${signal}\n`)
    process.exit(1)
  }, 5000).unref()
  try {
    // Say goodbye to every peer (a close frame), and cut the ones that do
    // not answer within a second.
    const closing = [...wss.clients].map((client) => new Promise((resolve) => {
      client.once("close", resolve)
      client.close(1001, "server stopping")
    }))
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 1000))])
    for (const client of wss.clients) client.terminate()
    await new Promise((resolve) => wss.close(() => resolve()))
    await repo.shutdown()
    await storage.settled()
  } catch (err) {
    process.stderr.write(`sync-server: error while stopping: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
  process.exit(0)
}
process.on("SIGTERM", () => stop("SIGTERM"))
process.on("SIGINT", () => stop("SIGINT"))
