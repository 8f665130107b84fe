-- Cycle through pre-made request headers, one line per request: "<path>\t<Authorization>\t<DPoP>".
-- Every DPoP proof has its own jti, so each is sent exactly once (the server refuses replays).
local lines = {}
local i = 0

init = function(args)
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
end

request = function()
  i = i + 1
  local line = lines[((i - 1) % #lines) + 1]
  local path, auth, proof = line:match("([^\t]+)\t([^\t]*)\t([^\t]*)")
  local headers = {}
  if auth ~= "" then
    headers["Authorization"] = auth
    headers["DPoP"] = proof
  end
  return wrk.format("GET", path, headers)
end

done = function(summary, latency, requests)
  io.write(string.format("STATS requests=%d errors_status=%d\n", summary.requests, summary.errors.status))
end
