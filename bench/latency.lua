-- wrk script for bench/run.py's province part (issue 18): at the end of a run, print the request count, the
-- duration, the errors and the latency distribution as quantiles (microseconds), so that the distributions of two
-- wrk processes run at once against two servers can be merged into one p50 / p99 (bench/run.py: merge_quantiles).

local function quantile(latency, p)
  if p >= 100 then
    return latency.max
  end
  return latency:percentile(p)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d status_errors=%d connect_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, errors.status, errors.connect, errors.timeout))
  -- Every half percent to 95, every tenth to 99.9, then the far tail and the maximum.
  local points = {}
  for i = 1, 190 do points[#points + 1] = i / 2 end
  for i = 951, 999 do points[#points + 1] = i / 10 end
  points[#points + 1] = 99.95
  points[#points + 1] = 99.99
  points[#points + 1] = 100
  for _, p in ipairs(points) do
    io.write(string.format("BENCH-Q %.2f %d\n", p, quantile(latency, p)))
  end
end
