-- wrk script of Tessera's HTTP load test: each request carries the next session cookie of a
-- list (one "name=value" a line, in the file given after "--"), cycling through it.
local cookies = {}
local next_cookie = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      cookies[#cookies + 1] = line
    end
  end
  if #cookies == 0 then
    error("no cookies in " .. args[1])
  end
end

function request()
  next_cookie = next_cookie % #cookies + 1
  return wrk.format("GET", nil, { ["Cookie"] = cookies[next_cookie] })
end
