-- wrk script of benchmarks/bench_stream.py: every request carries events never sent before.
--
-- Arguments (after `--`): mode (single | batch | stripe), run nonce, bearer token,
-- events per batch, file of signed Stripe webhooks, number of wrk threads.
--   single: one CloudEvent, id b-<nonce>-<thread>-<n>, built per request;
--   batch:  <size> CloudEvents, ids b-<nonce>-<thread>-<n>, built per request;
--   stripe: the next line of the file ("<Stripe-Signature>\t<body>"), signed by the benchmark
--           before the run (LuaJIT has no HMAC-SHA256); thread t takes lines t, t + threads, ...
-- done() prints one JSON line: requests, duration, non-2xx answers, errors, p50/p99 latency, and
-- how many Stripe bodies were sent a second time because the file ran out ("reused").

local TEMPLATE = '{"specversion":"1.0","id":"b-%s-%d-%d","source":"/bench","type":"api_calls",'
  .. '"subject":"cus_bench","time":"2026-10-01T00:00:00Z",'
  .. '"data":{"value":%d,"subscription_item":"si_bench"}}'

local threads = {}
local mode, nonce, token, size
local sent = 0
reused = 0  -- a global: done() reads it from each thread
local signatures, bodies = {}, {}
local usage_headers

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode, nonce, token, size = args[1], args[2], args[3], tonumber(args[4])
  local nthreads = tonumber(args[6])
  if mode == "stripe" then
    local index = 0
    for line in io.lines(args[5]) do
      if index % nthreads == tid then
        local tab = line:find("\t", 1, true)
        signatures[#signatures + 1] = line:sub(1, tab - 1)
        bodies[#bodies + 1] = line:sub(tab + 1)
      end
      index = index + 1
    end
  else
    local kind = mode == "batch" and "application/cloudevents-batch+json"
      or "application/cloudevents+json"
    usage_headers = {["Content-Type"] = kind, ["Authorization"] = "Bearer " .. token}
  end
end

function request()
  if mode == "stripe" then
    local i = sent % #bodies + 1
    if sent >= #bodies then reused = reused + 1 end
    sent = sent + 1
    return wrk.format("POST", "/webhooks/stripe",
      {["Content-Type"] = "application/json", ["Stripe-Signature"] = signatures[i]}, bodies[i])
  end
  if mode == "single" then
    sent = sent + 1
    return wrk.format("POST", "/events/usage", usage_headers,
      string.format(TEMPLATE, nonce, tid, sent, sent % 10))
  end
  local parts = {}
  for i = 1, size do
    sent = sent + 1
    parts[i] = string.format(TEMPLATE, nonce, tid, sent, i % 10)
  end
  return wrk.format("POST", "/events/usage", usage_headers, "[" .. table.concat(parts, ",") .. "]")
end

function done(summary, latency, requests)
  local again = 0
  for _, thread in ipairs(threads) do
    again = again + (thread:get("reused") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "errors": %d, '
      .. '"p50_us": %d, "p99_us": %d, "reused": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), again))
end
