/*
 * sandbox.h: the worker sandbox.  Its public API (struct fb_sandbox,
 * fb_sandbox_enter(), fb_sandbox_describe(), fb_sandbox_probe()) is part of
 * libfilebroker and declared in filebroker.h, with the full contract.
 */
#ifndef FB_SANDBOX_H
#define FB_SANDBOX_H

#include "filebroker.h"

#endif
