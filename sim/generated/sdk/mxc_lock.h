/* ai8xsim stand-in: everything is declared in mxc.h. */
#include "mxc.h"
