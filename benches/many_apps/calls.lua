-- wrk script for benches/many_apps.py: calls spread over APPS generated
-- apps, round-robin (MODE=rr) or at random (MODE=random), as HTTP routes
-- (KIND=route: GET /s/app<n>) or MCP tools/call (KIND=mcp: tool greet<n>,
-- stateless, plain JSON).
local apps = tonumber(os.getenv("APPS"))
local mode = os.getenv("MODE")
local kind = os.getenv("KIND")
local next_app = 0
math.randomseed(7)

request = function()
  local n
  if mode == "random" then
    n = math.random(0, apps - 1)
  else
    n = next_app % apps
    next_app = next_app + 1
  end
  if kind == "mcp" then
    local headers = {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json, text/event-stream",
      ["MCP-Protocol-Version"] = "2025-11-25",
      ["Authorization"] = wrk.headers["Authorization"],
    }
    local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet' .. n .. '","arguments":{"name":"Ada"}}}'
    return wrk.format("POST", "/mcp", headers, body)
  end
  return wrk.format("GET", "/s/app" .. n .. "/Ada")
end
