# Sourced by the device-call scripts (one call has a fixed time budget): a deadline clock and a
# step log, so every stage can size its `timeout` from what is left and the log says where time went.
#   needs: DEADLINE_S (seconds for the whole script), STEPS_LOG (the file step lines are appended to)
#   T0: the script's start; set here unless the caller set it earlier.
T0="${T0:-$(date +%s)}"
left() { echo $((DEADLINE_S - ($(date +%s) - T0))); }
say() { echo "[$(($(date +%s) - T0)) s] $*" | tee -a "$STEPS_LOG"; }
