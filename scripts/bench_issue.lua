-- wrk script for scripts/bench: kiosks issuing tickets, as real kiosks do.
--
-- Every request is a POST of BENCH_BODY (JSON) with BENCH_TOKEN as the bearer
-- token and an Idempotency-Key of its own (BENCH_KEY_PREFIX, the thread and a
-- counter), so no request is answered as a replay of another. Thread i sends
-- to port i of BENCH_PORTS (a comma-separated list; wrap-around), which is how
-- one wrk drives two server processes and still keeps one latency histogram.
-- done() prints one line, "BENCH-WRK {json}", that scripts/bench_load.py reads:
-- requests, non-2xx answers (with the first few statuses and bodies), socket
-- errors, the duration and latency percentiles in microseconds.

local threads = {}
local counter = 0
non2xx = 0
statuses = ""
sample = ""

local function ports()
   local found = {}
   for port in string.gmatch(os.getenv("BENCH_PORTS") or "", "%d+") do
      table.insert(found, port)
   end
   return found
end

function setup(thread)
   local list = ports()
   table.insert(threads, thread)
   thread:set("id", #threads)
   if #list > 0 then
      local port = list[(#threads - 1) % #list + 1]
      thread.addr = wrk.lookup("127.0.0.1", port)[1]
   end
end

function init(args)
   prefix = (os.getenv("BENCH_KEY_PREFIX") or "bench") .. "-" .. tostring(id) .. "-"
   wrk.method = "POST"
   wrk.body = os.getenv("BENCH_BODY") or "{}"
   wrk.headers["Content-Type"] = "application/json"
   local token = os.getenv("BENCH_TOKEN") or ""
   if token ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
end

function request()
   counter = counter + 1
   wrk.headers["Idempotency-Key"] = prefix .. counter
   return wrk.format()
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if non2xx <= 3 then
         statuses = statuses .. tostring(status) .. " "
         sample = string.sub(body or "", 1, 200)
      end
   end
end

local function quote(text)
   text = string.gsub(text, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. text .. '"'
end

function done(summary, latency, requests)
   local bad, seen, last = 0, "", ""
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      seen = seen .. (thread:get("statuses") or "")
      local s = thread:get("sample") or ""
      if s ~= "" then
         last = s
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH-WRK {"requests": %d, "non2xx": %d, "non2xx_statuses": %s, "non2xx_sample": %s, '
         .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
         .. '"duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
         .. '"mean_us": %.1f}\n',
      summary.requests, bad, quote(seen), quote(last),
      e.connect, e.read, e.write, e.timeout,
      summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean
   ))
end
