-- wrap.lua - runs the script named by BS_SCRIPT and prints its error with
-- the line it came from (miltertest itself only exits with status 1).
local script = os.getenv("BS_SCRIPT")
local ok, err = pcall(dofile, script)
if not ok then
	print("ERROR in " .. script .. ": " .. tostring(err))
	error(err, 0)
end
