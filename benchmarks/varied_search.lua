-- wrk script: live-search fragment requests cycling through 1,600 two-word queries, more than the 1,024 results the
-- app keeps rendered, so nearly every request searches and renders anew.
local prefixes = {"a", "b", "bo", "by", "byg", "bygg", "e", "f", "fa", "fo", "for", "g", "h", "k", "l", "m", "n", "o",
                  "p", "r", "s", "sk", "so", "st", "t", "ti", "u", "v", "va", "an", "ans", "and", "till", "plats",
                  "anm", "ansokan", "bidrag", "skola", "avfall", "vatten"}
local counter = 0
request = function()
  counter = counter + 1
  local first = prefixes[(counter % #prefixes) + 1]
  local second = prefixes[(math.floor(counter / #prefixes) % #prefixes) + 1]
  return wrk.format("GET", "/e-tjanster?q=" .. first .. "+" .. second, {["HX-Request"] = "true"})
end
