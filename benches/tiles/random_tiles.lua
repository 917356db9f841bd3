-- wrk script: GET a random tile path from the file named by $TILE_LIST,
-- asking for gzip. The same seed in every run, so both servers see the same mix.
local paths = {}
for line in io.lines(os.getenv("TILE_LIST")) do
  paths[#paths + 1] = line
end
math.randomseed(42)

request = function()
  return wrk.format("GET", paths[math.random(#paths)], { ["Accept-Encoding"] = "gzip" })
end
