#!/usr/bin/env node
// A JavaScript automerge-repo client for the interop tests, driven over
// stdin/stdout by tests/tests/interop.rs.
//
//   node client.mjs --url ws://127.0.0.1:<port>/sync [--token <token>]
//                   [--peer-id <id>] [--dir <storage dir>]
//                   [--retry-ms 500] [--timeout-ms 20000] [--max-seconds 120]
//
// --token is a county server token (`qunjian-server token create`). The
// client asks GET <server>/api/me with `Authorization: Bearer <token>` who
// it is, takes the peer id the server binds to the token (me.peer_id) and
// dials the sync URL with `?token=<token>`, the way a browser must (it
// cannot set headers on a WebSocket). If the server answers /api/me with 401
// or 403 the client exits 4 with the server's message; if the server cannot
// be reached it derives the same peer id itself ("qunjian-" and the first
// 16 hex digits of the token's SHA-256, shared/src/token.rs) and starts
// offline. --peer-id skips /api/me and uses the given peer id (a test that
// presents a token the server does not know). Without --token (the
// reference JS sync server, or a test of refusal) no token is sent and the
// repo picks a random peer id, as before.
//
// --dir gives the repo a NodeFSStorageAdapter (edits survive a restart and
// can be made offline); without it the repo keeps documents in memory only.
// The WebSocket adapter reconnects by itself every --retry-ms, also after a
// refused upgrade (a 401 from the server); the last connection error is kept
// for the "status" command instead of crashing the process, which the
// adapter itself would do on any error but ECONNREFUSED.
//
// Protocol: one JSON command per line on stdin, one JSON reply per line on
// stdout, in order: {"ok": true, ...} or {"ok": false, "error": "..."}.
// Nothing else is written to stdout; diagnostics go to stderr. Every command
// is bounded by its "timeout_ms" (default --timeout-ms), and the whole
// process by --max-seconds, after which it exits 3 with a message: it never
// hangs a test. End of stdin flushes storage and exits 0.
//
// Commands ("url" is an automerge: URL):
//   {"cmd":"find","url"}                  fetch/load the document; replies doc, heads
//   {"cmd":"doc","url"}                   the document as JSON now, its heads and
//                                         hex_heads (the same in hex)
//   {"cmd":"add_unit","url","name","kind","style","fields"?}
//                                         a new unit (UUID v7 id) with all five
//                                         organization maps, per docs/SCHEMA.md;
//                                         "fields" sets more of its scalars; replies id
//   {"cmd":"set","url","path":[...],"value","style"}
//                                         put one scalar into an existing map
//   {"cmd":"write_township","url"}        a whole township written the way
//                                         docs/SCHEMA.md tells a JS app to: a unit
//                                         of each kind with its organizations, people
//                                         with roles, a 推优 with three steps, an
//                                         activity, an honor, a visit; replies ids
//   {"cmd":"stringify","url"}             JSON.stringify(handle.doc()) as is (no
//                                         conversion): replies text, or fails with
//                                         the error it throws
//   {"cmd":"wait","url","path":[...],"equals"}
//                                         until the value at path (as JSON) equals
//   {"cmd":"wait_connected"}              until a peer (the server) is connected
//   {"cmd":"status"}                      now: peer_id, peers, last_error (the last
//                                         connection error, e.g. "Unexpected server
//                                         response: 401", or null)
//   {"cmd":"wait_synced","url"}           until the server reports our heads as its heads
//   {"cmd":"flush"}                       write every document to storage
//   {"cmd":"exit"}                        flush, disconnect, exit 0
//
// "style" says how values are written:
//   "canonical": strings as ImmutableString (scalar str), integers as plain
//                JS numbers (a signed int), as docs/SCHEMA.md asks of apps;
//   "plain":     plain JS values, the library's defaults (a string becomes a
//                Text object), which the Qunjian reader accepts too;
//   "uint":      as canonical, but integers as `new Uint(n)`, the way
//                schema 1 asked (still read, not written any more).

import { createInterface } from "node:readline"
import { isDeepStrictEqual } from "node:util"
import { createHash, randomBytes } from "node:crypto"

import { ImmutableString, Uint, getHeads } from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { SettlingNodeFSStorageAdapter } from "./storage.mjs"

function fail(message, code = 2) {
  process.stderr.write(`client.mjs: ${message}\n`)
  process.exit(code)
}

function parseArgs(argv) {
  const args = {
    url: null,
    token: null,
    "peer-id": null,
    dir: null,
    "retry-ms": "500",
    "timeout-ms": "20000",
    "max-seconds": "120",
  }
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "")
    if (!argv[i]?.startsWith("--") || !(key in args)) fail(`unknown argument ${JSON.stringify(argv[i])}`)
    if (argv[i + 1] === undefined) fail(`${argv[i]} needs a value`)
    args[key] = argv[i + 1]
  }
  if (!args.url) fail("--url is required")
  for (const k of ["retry-ms", "timeout-ms", "max-seconds"]) {
    if (!/^\d+$/.test(args[k])) fail(`--${k} must be a whole number`)
    args[k] = Number(args[k])
  }
  return args
}

const args = parseArgs(process.argv.slice(2))

// The hard limit: whatever happens, this process ends.
setTimeout(() => fail(`gave up after --max-seconds ${args["max-seconds"]}`, 3), args["max-seconds"] * 1000).unref()

// --- who we are ----------------------------------------------------------------

/** The peer id the county server binds to `token` (shared/src/token.rs). */
function derivedPeerId(token) {
  return `qunjian-${createHash("sha256").update(token).digest("hex").slice(0, 16)}`
}

/** GET /api/me with the token: the server's word on our peer id. */
async function askMe(syncUrl, token) {
  const me = new URL("/api/me", syncUrl)
  me.protocol = me.protocol === "wss:" ? "https:" : "http:"
  let response
  try {
    response = await fetch(me, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5000),
    })
  } catch (err) {
    const peerId = derivedPeerId(token)
    process.stderr.write(`client.mjs: ${me} unreachable (${err?.cause?.code ?? err?.message ?? err}); starting offline as ${peerId}\n`)
    return peerId
  }
  const body = await response.text()
  if (response.status === 401 || response.status === 403) {
    let message = body
    try {
      message = JSON.parse(body).error ?? body
    } catch {}
    fail(`the server refused the token (HTTP ${response.status}): ${message}`, 4)
  }
  if (!response.ok) fail(`${me}: HTTP ${response.status}: ${body}`)
  const peerId = JSON.parse(body).peer_id
  if (typeof peerId !== "string" || !peerId) fail(`${me} named no peer_id: ${body}`)
  return peerId
}

/** The sync URL with the token as the `token` query parameter. */
function withToken(syncUrl, token) {
  const url = new URL(syncUrl)
  url.searchParams.set("token", token)
  return url.toString()
}

const token = args.token?.trim() || null
if (args["peer-id"] !== null && !token) fail("--peer-id goes with --token")
const peerId = token ? (args["peer-id"] ?? (await askMe(args.url, token))) : undefined

// --- the repo -----------------------------------------------------------------

const adapter = new WebSocketClientAdapter(token ? withToken(args.url, token) : args.url, args["retry-ms"])
// The adapter throws from its socket's error handler on anything but
// ECONNREFUSED, which kills the process on a refused upgrade (ws reports a
// 401 as "Unexpected server response: 401"). Keep the error and let the
// adapter retry, as it does after ECONNREFUSED.
let lastError = null
adapter.onError = (event) => {
  const err = event?.error
  const message = err?.code === "ECONNREFUSED" ? "ECONNREFUSED" : (err?.message ?? String(err ?? event))
  if (message !== lastError) process.stderr.write(`client.mjs: connection failed: ${message}\n`)
  lastError = message
}
const storage = args.dir ? new SettlingNodeFSStorageAdapter(args.dir) : undefined
const repo = new Repo({
  network: [adapter],
  storage,
  peerId,
  sharePolicy: async () => true,
})

// --- values ---------------------------------------------------------------

/** A document (or part of one) as plain JSON, the way Automerge.toJS shows it. */
function toJSON(value) {
  if (value === null || value === undefined) return null
  if (value instanceof ImmutableString) return value.toString()
  // @automerge/automerge 3 reads a uint as a BigInt (JSON.stringify refuses
  // those): schema-1 documents and the "uint" style still hold some.
  if (typeof value === "bigint") return Number(value)
  if (Array.isArray(value)) return value.map(toJSON)
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return Array.from(value)
  if (typeof value === "object") {
    // Counters and other boxed scalars.
    if (typeof value.valueOf === "function" && typeof value.valueOf() !== "object") return value.valueOf()
    const out = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJSON(v)
    return out
  }
  return value
}

/** A JSON value from a command, as the given style stores it. */
function encode(value, style) {
  if (!["canonical", "plain", "uint"].includes(style)) throw new Error(`style must be "canonical", "plain" or "uint", not ${JSON.stringify(style)}`)
  if (style === "plain" || value === null || typeof value === "boolean") return value
  if (typeof value === "string") return new ImmutableString(value)
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new Error(`counts and years are whole numbers, not ${value}`)
    return style === "uint" ? new Uint(value) : value
  }
  throw new Error(`only scalars are written, not ${JSON.stringify(value)}`)
}

/** UUID v7 as lower-case hyphenated text (docs/SCHEMA.md, rule 1). */
function uuidv7() {
  const bytes = randomBytes(16)
  const ms = BigInt(Date.now())
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  bytes[6] = (bytes[6] & 0x0f) | 0x70
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function at(doc, path) {
  let v = doc
  for (const key of path) {
    if (v === null || v === undefined) return undefined
    v = v[key]
  }
  return v
}

// --- a township, as docs/SCHEMA.md ("Writing from JavaScript") says ------------

/**
 * Write a whole township into `handle` the documented way: every string but
 * activity notes an ImmutableString, numbers plain JS numbers, dates
 * "YYYY-MM-DD" strings, absent values null, sets as {key: true} maps, each
 * record created in one change with its nested maps, 推优 steps one change
 * each. Keep in step with the example in docs/SCHEMA.md.
 */
function writeTownship(handle) {
  const S = (text) => new ImmutableString(text)
  const org = (extra) => ({ formed: false, established: null, ...extra })
  const newUnit = (name, kind, fields = {}) => ({
    name: S(name), kind: S(kind),
    parent: null, credit_code: null,
    employees: null, female_staff: null, youth: null, opened: null,
    archived: false,
    party_org: org({ form: null, rating: null }),
    union: org({ independent: null, chair: null, female_workers_committee: null }),
    league: org({ secretary: null }),
    women_org: org({ form: null, chair: null, chair_full_time: null }),
    womens_home: org({}),
    ...fields,
  })
  const ids = { units: {} }
  const add = (map, record, message) => {
    const id = uuidv7()
    handle.change((doc) => { doc[map][id] = record }, { message })
    return id
  }

  // A unit of each kind; the enterprise sits in the park.
  const park = add("units", newUnit("城东工业园区", "park"), "js: add park")
  ids.units.park = park
  ids.units.village = add("units", newUnit("东门村", "village", {
    party_org: org({ formed: true, form: S("general_branch"), rating: S("excellent"), established: S("1998-07-01") }),
    union: org({ independent: null, chair: null, female_workers_committee: null }),
    league: org({ formed: true, established: S("2005-05-04"), secretary: S("王磊") }),
    women_org: org({ formed: true, form: S("federation"), established: S("2016-09-20"), chair: S("李秀英"), chair_full_time: false }),
    womens_home: org({ formed: true, established: S("2017-03-08") }),
  }), "js: add village")
  ids.units.community = add("units", newUnit("城南社区", "community", {
    women_org: org({ formed: true, form: S("federation"), established: S("2018-03-08"), chair: S("吴芳"), chair_full_time: true }),
  }), "js: add community")
  ids.units.enterprise = add("units", newUnit("衢龙机械有限公司", "enterprise", {
    parent: S(park),
    credit_code: S("91330825MA2B3C4D52"),
    employees: 120, female_staff: 45, youth: 18,
    opened: S("2012-05-20"),
    party_org: org({ formed: true, form: S("branch"), rating: S("qualified"), established: S("2013-07-01") }),
    union: org({ formed: true, established: S("2013-03-01"), independent: true, chair: S("赵建国"), female_workers_committee: true }),
    league: org({ formed: true, established: S("2015-05-04"), secretary: S("陈丽") }),
    women_org: org({ formed: true, form: S("work_committee"), established: S("2019-03-08"), chair: S("周敏"), chair_full_time: false }),
  }), "js: add enterprise")
  ids.units.social_org = add("units", newUnit("城关镇志愿者协会", "social_org", { employees: 12, female_staff: 7, youth: 5 }), "js: add social org")
  ids.units.agency = add("units", newUnit("城关镇人民政府", "agency", { employees: 86 }), "js: add agency")
  ids.units.institution = add("units", newUnit("城关镇中心小学", "institution", { employees: 64, female_staff: 40 }), "js: add institution")

  // Later, on any device: one scalar at a time into the existing maps.
  handle.change((doc) => {
    const u = doc.units[ids.units.community]
    u.union.formed = true
    u.union.established = S("2020-05-01")
    u.employees = 15
  }, { message: "js: community forms its union" })

  ids.person = add("people", {
    name: S("陈丽"), gender: S("female"), birth_year: 1996,
    unit: S(ids.units.enterprise), party_stage: S("activist"),
    roles: { league_secretary: true },
    archived: false,
  }, "js: add person")
  ids.chair = add("people", {
    name: S("李秀英"), gender: S("female"), birth_year: 1975,
    unit: S(ids.units.village), party_stage: S("member"),
    roles: { womens_director: true, two_committees: true },
    archived: false,
  }, "js: add women's director")

  ids.nomination = add("nominations", {
    person: S(ids.person), organization: S("league"), unit: S(ids.units.enterprise),
    year: 2025, direct: false,
    steps: { assembly: null, inspection: null, approval: null, upper_review: null, recommended: null, party_decision: null },
    archived: false,
  }, "js: nominate")
  const step = (name, value) => handle.change((doc) => { doc.nominations[ids.nomination].steps[name] = value }, { message: `js: step ${name}` })
  step("assembly", { date: S("2025-03-15"), attendance: 36, votes_for: 33 })
  step("inspection", { date: S("2025-04-02"), inspector: S("张伟"), summary: S("工作积极，群众公认") })
  step("approval", { date: S("2025-04-20"), reason: S("团支部书记，表现突出") })

  ids.activity = add("activities", {
    organizations: { union: true, women: true },
    kind: S("training"), title: S("女职工权益保护培训"), date: S("2025-03-08"),
    units: { [ids.units.enterprise]: true, [ids.units.village]: true },
    participants: 40, women_participants: 32,
    notes: "县总工会讲师授课；会后座谈。",
    archived: false,
  }, "js: add activity")
  ids.honor = add("honors", {
    title: S("womens_civilized_post"), level: S("county"), year: 2024,
    recipient_unit: S(ids.units.enterprise), recipient_person: null,
    archived: false,
  }, "js: add honor")
  ids.visit = add("visits", {
    cadre: S("县妇联 刘芳"), unit: S(ids.units.enterprise), date: S("2025-05-10"),
    purpose: S("指导妇工委换届"), notes: S("已召开妇女大会"),
    archived: false,
  }, "js: add visit")
  return { ids, heads: handle.heads() }
}

// --- waiting ----------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll `check` until it returns something other than undefined, or time out. */
async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result !== undefined) return result
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

// --- documents ----------------------------------------------------------------

const handles = new Map()

async function handleOf(url, timeoutMs) {
  if (typeof url !== "string" || !url.startsWith("automerge:")) throw new Error(`not an automerge: URL: ${JSON.stringify(url)}`)
  const known = handles.get(url)
  if (known) return known
  const handle = await repo.find(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((err) => {
    throw new Error(`find ${url}: ${err?.message ?? err}`)
  })
  handles.set(url, handle)
  return handle
}

function snapshot(handle) {
  // heads as the repo encodes them (base58), hex_heads as Automerge does.
  return { doc: toJSON(handle.doc()), heads: handle.heads(), hex_heads: getHeads(handle.doc()) }
}

/** The storage id of the connected server, if it told us one. */
function serverStorageIds() {
  return repo.peers.map((peer) => repo.getStorageIdOfPeer(peer)).filter(Boolean)
}

const commands = {
  async find({ url }, timeoutMs) {
    return snapshot(await handleOf(url, timeoutMs))
  },

  async doc({ url }, timeoutMs) {
    return snapshot(await handleOf(url, timeoutMs))
  },

  async add_unit({ url, name, kind, style, fields = {} }, timeoutMs) {
    const handle = await handleOf(url, timeoutMs)
    const s = (v) => encode(v, style)
    const org = (extra) => ({ formed: false, established: null, ...extra })
    const id = uuidv7()
    const unit = {
      name: s(name),
      kind: s(kind),
      parent: null,
      credit_code: null,
      employees: null,
      female_staff: null,
      youth: null,
      opened: null,
      archived: false,
      party_org: org({ form: null, rating: null }),
      union: org({ independent: null, chair: null, female_workers_committee: null }),
      league: org({ secretary: null }),
      women_org: org({ form: null, chair: null, chair_full_time: null }),
      womens_home: org({}),
    }
    for (const k of Object.keys(fields)) {
      if (!(k in unit) || (unit[k] !== null && typeof unit[k] === "object")) throw new Error(`unit field ${k} is not a scalar of the schema`)
    }
    // One change creates the unit with its five organization maps (rule 4).
    handle.change((doc) => {
      if (!doc.units) throw new Error("the document has no units map")
      doc.units[id] = unit
      // Scalars put one by one into the new map, not inside the literal
      // above: @automerge/automerge 3.5.0 stores a Uint nested in an object
      // literal as a map {value: n}, not as a uint (ImmutableString and
      // plain numbers nest fine). The "uint" style needs this.
      for (const [k, v] of Object.entries(fields)) doc.units[id][k] = s(v)
    }, { message: `js: add unit ${id}` })
    return { id, heads: handle.heads() }
  },

  async set({ url, path, value, style }, timeoutMs) {
    if (!Array.isArray(path) || path.length < 2) throw new Error("path must name a key inside a map")
    const handle = await handleOf(url, timeoutMs)
    const encoded = encode(value, style)
    const parentPath = path.slice(0, -1)
    const key = path[path.length - 1]
    // Field by field (rule 3): never create or replace a map here.
    handle.change((doc) => {
      const parent = at(doc, parentPath)
      if (parent === null || typeof parent !== "object") throw new Error(`no map at ${parentPath.join(".")}`)
      parent[key] = encoded
    }, { message: `js: set ${path.join(".")}` })
    return { heads: handle.heads() }
  },

  async write_township({ url }, timeoutMs) {
    return writeTownship(await handleOf(url, timeoutMs))
  },

  async stringify({ url }, timeoutMs) {
    const handle = await handleOf(url, timeoutMs)
    // What an app does first; throws on a BigInt (an Automerge uint).
    return { text: JSON.stringify(handle.doc()) }
  },

  async wait({ url, path, equals }, timeoutMs) {
    const handle = await handleOf(url, timeoutMs)
    const what = `${path.join(".")} == ${JSON.stringify(equals)}`
    return until(what, timeoutMs, () => {
      const now = toJSON(at(handle.doc(), path))
      return isDeepStrictEqual(now, equals) ? snapshot(handle) : undefined
    }).catch((err) => {
      throw new Error(`${err.message}; it is ${JSON.stringify(toJSON(at(handle.doc(), path)) ?? null)}`)
    })
  },

  async wait_connected(_, timeoutMs) {
    return until("a connection to the server", timeoutMs, () => (repo.peers.length > 0 ? { peers: repo.peers } : undefined))
  },

  async status() {
    return { peer_id: repo.peerId, peers: repo.peers, last_error: lastError }
  },

  async wait_synced({ url }, timeoutMs) {
    const handle = await handleOf(url, timeoutMs)
    let last = "no server connected"
    return until("the server to hold our heads", timeoutMs, () => {
      const ids = serverStorageIds()
      if (repo.peers.length === 0) last = "no server connected"
      else if (ids.length === 0) last = `the server (${repo.peers.join(",")}) sent no storage id`
      for (const storageId of ids) {
        const theirs = handle.getSyncInfo(storageId)?.lastHeads ?? []
        const ours = handle.heads()
        last = `ours ${JSON.stringify(ours)}, the server's ${JSON.stringify(theirs)}`
        if (isDeepStrictEqual([...theirs].sort(), [...ours].sort())) return { heads: ours }
      }
      return undefined
    }).catch((err) => {
      throw new Error(`${err.message} (${last})`)
    })
  },

  async flush() {
    await repo.flush()
    await storage?.settled()
    return {}
  },

  async exit() {
    await shutdown(0)
  },
}

async function shutdown(code) {
  const timer = setTimeout(() => fail("did not shut down within 5 s", 3), 5000)
  timer.unref()
  // Let the close handshake finish, so the server sees a clean goodbye.
  const socket = adapter.socket
  const closed = socket && socket.readyState !== socket.CLOSED
    ? new Promise((resolve) => socket.once("close", resolve))
    : Promise.resolve()
  // Closing a socket that is still connecting (a retry in flight) makes ws
  // emit an error after the adapter removed its listener, and an error
  // nobody listens to kills the process with exit code 1.
  socket?.on("error", () => {})
  await repo.shutdown()
  // Every write started, not only the flush's (see storage.mjs).
  await storage?.settled()
  await Promise.race([closed, sleep(1000)])
  process.exit(code)
}

// --- the loop -----------------------------------------------------------------

function reply(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let command
  try {
    command = JSON.parse(line)
  } catch (err) {
    reply({ ok: false, error: `not JSON: ${err.message}` })
    continue
  }
  const run = commands[command.cmd]
  if (!run) {
    reply({ ok: false, error: `unknown command ${JSON.stringify(command.cmd)}` })
    continue
  }
  const timeoutMs = Number.isInteger(command.timeout_ms) ? command.timeout_ms : args["timeout-ms"]
  try {
    reply({ ok: true, ...(await run(command, timeoutMs)) })
  } catch (err) {
    reply({ ok: false, error: err?.message ?? String(err) })
  }
}
await shutdown(0)
