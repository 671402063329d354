-- rotate.lua, each connection waiting 1/rate s between its requests (rate: args[2] per connection).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "rotate.lua")

function delay()
  return pause_ms or 0
end
