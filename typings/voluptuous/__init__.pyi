# Home Assistant 2026.10 validates with probatio and makes ``import voluptuous``
# return probatio's drop-in shim (probatio.compat.install_as_voluptuous), so the
# type checker, which runs on the newest release, sees what Home Assistant runs;
# HA 2025.4 has the real voluptuous. Remove when the minimum HA is >= 2026.10.
from probatio import *
