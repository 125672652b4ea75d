#!/bin/sh
# The attack catalogue (tests/attacks/run.sh): hostile workers and the outcomes they must get.
exec sh tests/attacks/run.sh
