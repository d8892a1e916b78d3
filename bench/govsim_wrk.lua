-- wrk script for bench/govsim.py: each thread sends its own slice of pre-signed documents once,
-- so every request is a new document (no cheap duplicate rejections), then stops.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies_file, token, nthreads = args[1], args[2], tonumber(args[3])
  bodies = {}
  local n = 0
  for line in io.lines(bodies_file) do
    if n % nthreads == id then table.insert(bodies, line) end
    n = n + 1
  end
  index, ok, rejected, other = 0, 0, 0, 0
end

function request()
  index = index + 1
  if index > #bodies then
    wrk.thread:stop()
    index = #bodies
  end
  return wrk.format("POST", "/fesv/recepciondte",
    {["Content-Type"] = "application/json", ["Authorization"] = token}, bodies[index])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 400 then rejected = rejected + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local t_ok, t_rej, t_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_rej = t_rej + thread:get("rejected")
    t_other = t_other + thread:get("other")
  end
  io.write(string.format("WRK ok=%d rejected=%d other=%d seconds=%.3f p50_ms=%.1f p99_ms=%.1f\n",
    t_ok, t_rej, t_other, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
