-- wrk script: GET /item/<n> with n drawn from Zipf(0.99) over 100,000 items (seeded, so
-- every run asks for the same sequence).
local N, S = 100000, 0.99
local cdf = {}
local total = 0
for i = 1, N do
  total = total + 1 / i ^ S
  cdf[i] = total
end
math.randomseed(7)

local function pick()
  local x = math.random() * total
  local lo, hi = 1, N
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < x then lo = mid + 1 else hi = mid end
  end
  return lo
end

request = function()
  return wrk.format("GET", "/item/" .. pick())
end
