#!/bin/sh
# The soak test in short (`make soak` runs it for minutes): 10 s of an
# honest worker alone, then 10 s of it beside hostile fbraw loops; see
# tests/soak/soak.sh for what is asserted.  About 20 s.
exec sh tests/soak/soak.sh 10
