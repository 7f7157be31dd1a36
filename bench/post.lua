-- wrk script: POST the body in the file named by the BODY environment variable, with the Content-Type in
-- CONTENT_TYPE (default application/json).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
-- EXTRA_HEADER="Name: value" adds one more header (the V2 binary extension's Inference-Header-Content-Length)
local extra = os.getenv("EXTRA_HEADER")
if extra == "" then extra = nil end
if extra then
  local name, value = extra:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end
