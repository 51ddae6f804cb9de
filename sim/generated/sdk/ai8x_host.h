/* Included first into every file of a generated folder (-include): routes the
 * generated code's console output to ai8xsim. */
#ifndef AI8XSIM_HOST_H
#define AI8XSIM_HOST_H
#include <stdint.h>
#include <stdio.h>
int ai8x_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
int ai8x_puts(const char* text);
#define printf ai8x_printf
#define puts ai8x_puts
/* RISC-V sources: the interrupt attribute is the Arm/RISC-V compiler's; on the
 * host the handler is an ordinary function. */
#define interrupt(kind) unused
void ai8x_wfi(void);
#endif
