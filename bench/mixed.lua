-- wrk script: mixed valid and invalid traffic. Bodies come from the files named by VALID and INVALID (one request
-- body per line); every third request is invalid. Counts 5xx answers per thread and prints the total at the end.
local function lines(name)
  local t = {}
  for line in io.lines(os.getenv(name)) do t[#t + 1] = line end
  return t
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  valid = lines("VALID")
  invalid = lines("INVALID")
  n = 0
  fivexx = 0
  fourxx = 0
end

function request()
  n = n + 1
  local pool = (n % 3 == 0) and invalid or valid
  local entry = pool[(n % #pool) + 1]
  local path, body = entry:match("^(%S+) (.*)$")
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 elseif status >= 400 then fourxx = fourxx + 1 end
end

function done(summary, latency, requests)
  local five, four = 0, 0
  for _, thread in ipairs(threads) do
    five = five + thread:get("fivexx")
    four = four + thread:get("fourxx")
  end
  io.write(string.format("mixed: %d requests, %d answered 4xx, %d answered 5xx\n", summary.requests, four, five))
end
