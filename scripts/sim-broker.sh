#!/bin/sh
# Starts or stops one simulated broker (zeebe-sim, a test instrument) the way a service manager
# would: start returns once the process runs in the background; stop sends SIGTERM and returns
# once the process has exited, like 'systemctl stop'.
#
#   sim-broker.sh start DIR [ZEEBE_SIM]   # DIR/config/application.yaml; log DIR/broker.log
#   sim-broker.sh stop DIR
set -eu
cmd=${1:?usage: sim-broker.sh start|stop DIR [ZEEBE_SIM]}
dir=${2:?usage: sim-broker.sh start|stop DIR [ZEEBE_SIM]}
pidfile="$dir/broker.pid"

# gone PID: the process has exited (a zombie nobody reaped yet counts as exited).
gone() {
	[ ! -e "/proc/$1" ] && return 0
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$state" ] || [ "$state" = Z ]
}

case $cmd in
start)
	sim=${3:-$(dirname "$0")/../bin/zeebe-sim}
	if [ -f "$pidfile" ] && ! gone "$(cat "$pidfile")"; then
		echo "already running (pid $(cat "$pidfile"))"
		exit 0
	fi
	cd "$dir"
	nohup "$sim" --config config/application.yaml >>broker.log 2>&1 &
	echo $! >broker.pid
	;;
stop)
	[ -f "$pidfile" ] || exit 0
	pid=$(cat "$pidfile")
	kill -TERM "$pid" 2>/dev/null || true
	while ! gone "$pid"; do sleep 0.05; done
	rm -f "$pidfile"
	;;
*)
	echo "usage: sim-broker.sh start|stop DIR [ZEEBE_SIM]" >&2
	exit 2
	;;
esac
