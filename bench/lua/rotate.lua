-- Sends the requests listed in a data file (args[1]) in turn, each connection starting at a random one.
-- Each entry: {method=, path=, cookie=, csrf=, body=}. An optional args[2] paces each connection to that many
-- requests per second (the mixed load): paced.lua adds wrk's delay() hook, which wrk looks for before init().
local requests = {}
local index = 0
pause_ms = nil

function init(args)
  local entries = dofile(args[1])
  for i, entry in ipairs(entries) do
    local headers = {}
    if entry.cookie then headers["Cookie"] = entry.cookie end
    if entry.csrf then headers["X-CSRFToken"] = entry.csrf end
    if entry.body then headers["Content-Type"] = "application/json" end
    requests[i] = wrk.format(entry.method or "GET", entry.path, headers, entry.body)
  end
  math.randomseed(os.time() + tonumber(tostring(requests):match("0x(%x+)") or "0", 16) % 100000)
  index = math.random(#requests) - 1
  if args[2] then pause_ms = 1000 / tonumber(args[2]) end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
