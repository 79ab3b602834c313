-- Rotates through the cookies in the file named by COOKIES (one `Cookie` header value
-- per line): each request is a different client's session.
local cookies = {}
for line in io.lines(os.getenv("COOKIES")) do
  if line ~= "" then cookies[#cookies + 1] = line end
end
local i = 0
request = function()
  i = i % #cookies + 1
  return wrk.format(nil, nil, { ["Cookie"] = cookies[i], ["User-Agent"] = os.getenv("UA") })
end
