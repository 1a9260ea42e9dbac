-- wrk script of bench/run.sh: POSTs one MCP JSON-RPC request over and over, checks every answer, and prints one
-- result line for the harness (Mxcp.Benchmarks.Harness, LoadResultParser).
--
-- Environment:
--   BENCH_REQUEST      file holding the request: "Name: value" header lines, an empty line, then the JSON body
--   BENCH_EXPECT       text every good answer contains (a value from the database, a tool name, ...)
--   BENCH_CONCURRENCY  the -c value, echoed in the result line
--   BENCH_SESSIONS     optional, comma-separated Mcp-Session-Id values, one per wrk thread (the stateful mode runs
--                      -t equal to -c, so each connection calls in its own session)
--
-- A 200 answer is counted as an error when it lacks BENCH_EXPECT or carries a JSON-RPC error or "isError":true;
-- other statuses below 400 count as errors too (wrk itself counts 4xx/5xx as status errors).

local function read_file(path)
  local file = assert(io.open(path, "rb"), "cannot open " .. path)
  local text = file:read("*a")
  file:close()
  return text
end

local request = read_file(assert(os.getenv("BENCH_REQUEST"), "BENCH_REQUEST is not set"))
local head, body = request:match("^(.-)\r?\n\r?\n(.*)$")
assert(head and body, "BENCH_REQUEST must hold header lines, an empty line and the body")

wrk.method = "POST"
wrk.body = body
for line in head:gmatch("[^\r\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

local expect = os.getenv("BENCH_EXPECT") or ""
local concurrency = tonumber(os.getenv("BENCH_CONCURRENCY") or "0")

-- per thread (each wrk thread runs its own copy of this script)
bad_body = 0

function response(status, headers, answer)
  if status >= 400 then
    return
  end
  if status ~= 200
      or answer:find(expect, 1, true) == nil
      or answer:find('"isError":true', 1, true) ~= nil
      or answer:find('"error":{', 1, true) ~= nil then
    bad_body = bad_body + 1
  end
end

-- per thread: the session that setup() gave this thread, if any
function init(args)
  if session ~= nil then
    wrk.headers["Mcp-Session-Id"] = session
  end
end

-- main thread
local threads = {}
local sessions = {}
for id in (os.getenv("BENCH_SESSIONS") or ""):gmatch("[^,]+") do
  table.insert(sessions, id)
end

function setup(thread)
  table.insert(threads, thread)
  if #sessions > 0 then
    local session = assert(sessions[#threads], "BENCH_SESSIONS holds fewer sessions than wrk has threads")
    -- thread:set reads its last two arguments, so the session goes alone (assert would pass its message too)
    thread:set("session", session)
  end
end

function done(summary, latency, requests)
  local body_errors = 0
  for _, thread in ipairs(threads) do
    body_errors = body_errors + (thread:get("bad_body") or 0)
  end
  local errors = summary.errors
  local function ms(microseconds)
    return microseconds / 1000.0
  end
  io.write(string.format(
    'MXCP_BENCH_RESULT {"generator":"wrk","concurrency":%d,"requests":%d,"duration_seconds":%.6f,' ..
    '"latency_ms":{"mean":%.4f,"p50":%.4f,"p90":%.4f,"p95":%.4f,"p99":%.4f,"max":%.4f},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"body":%d},"bytes":%d}\n',
    concurrency, summary.requests, summary.duration / 1000000.0,
    ms(latency.mean), ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(95)),
    ms(latency:percentile(99)), ms(latency.max),
    errors.connect, errors.read, errors.write, errors.timeout, errors.status, body_errors, summary.bytes))
end
