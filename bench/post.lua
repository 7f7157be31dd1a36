-- wrk script: POST the body in the file named by the BODY environment variable, with the Content-Type in
-- CONTENT_TYPE (default application/json).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
