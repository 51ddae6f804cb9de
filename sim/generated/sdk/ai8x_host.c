/* ai8xsim's side of a generated folder compiled for the host: the stand-in SDK
 * functions and the entry point the simulator calls. Accelerator accesses are
 * not handled here: they are trapped by address (sim/generated/mmio_trap). */
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include "mxc.h"
#include "cnn.h"

/* Filled by the simulator before ai8x_run(). */
struct ai8x_host_api {
  void* context;
  void (*output)(void* context, const char* text);
  /* Runs the model until it is idle; nonzero when the CNN interrupt is pending. */
  int (*sleep)(void* context);
  /* Simulated time in microseconds. */
  double (*time_us)(void* context);
};
struct ai8x_host_api ai8x_host;

/* Clocks report ready at once (generated main() waits for them). */
mxc_gcr_regs_t ai8x_gcr = {.clkctrl = MXC_F_GCR_CLKCTRL_IPO_RDY, .ipll_ctrl = MXC_F_GCR_IPLL_CTRL_RDY};
mxc_pwrseq_regs_t ai8x_pwrseq;
mxc_gcfr_regs_t ai8x_gcfr;
mxc_fcr_regs_t ai8x_fcr;
mxc_sema_regs_t ai8x_sema;
mxc_icc_regs_t ai8x_icc[2];
mxc_tmr_regs_t ai8x_tmr[6];
mxc_gpio_regs_t ai8x_gpio[4];
uint32_t SystemCoreClock = 100000000u;

enum { kRunning = 0, kReturned = 1, kFailPrinted = 2, kNoInterrupt = 3 };
static jmp_buf ai8x_exit;
static void (*ai8x_cnn_vector)(void);
static double ai8x_timer_start[6];

int ai8x_printf(const char* format, ...) {
  char text[2048];
  va_list args;
  va_start(args, format);
  const int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  ai8x_host.output(ai8x_host.context, text);
  /* The generated fail() prints this, then spins forever. */
  if (strstr(text, "*** FAIL ***") != NULL) longjmp(ai8x_exit, kFailPrinted);
  return n;
}

int ai8x_puts(const char* text) {
  return ai8x_printf("%s\n", text);
}

/* The interrupt handler the code registered, or the fixed-name RISC-V one. */
void CNN_IRQHandler(void) __attribute__((weak));

void ai8x_wfi(void) {
  if (!ai8x_host.sleep(ai8x_host.context)) longjmp(ai8x_exit, kNoInterrupt);
  if (ai8x_cnn_vector != NULL) {
    ai8x_cnn_vector();
  } else if (CNN_IRQHandler != NULL) {
    CNN_IRQHandler();
  }
}

void MXC_LP_EnterSleepMode(void) { ai8x_wfi(); }
void MXC_LP_EnterLowPowerMode(void) { ai8x_wfi(); }
void MXC_LP_ClearWakeStatus(void) {}
void __WFI(void) { ai8x_wfi(); }
void __enable_irq(void) {}
void __disable_irq(void) {}

void MXC_NVIC_SetVector(IRQn_Type irq, void (*handler)(void)) {
  if (irq == CNN_IRQn) ai8x_cnn_vector = handler;
}
void NVIC_EnableIRQ(IRQn_Type irq) { (void)irq; }
void NVIC_DisableIRQ(IRQn_Type irq) { (void)irq; }
void NVIC_ClearPendingIRQ(IRQn_Type irq) { (void)irq; }
void NVIC_EnableEVENT(IRQn_Type irq) { (void)irq; }
void NVIC_ClearPendingEVENT(IRQn_Type irq) { (void)irq; }

void SystemCoreClockUpdate(void) {}
int MXC_SYS_Clock_Select(mxc_sys_system_clock_t clock) { (void)clock; return E_NO_ERROR; }
int MXC_SYS_ClockSourceEnable(mxc_sys_system_clock_t clock) { (void)clock; return E_NO_ERROR; }
void MXC_SYS_ClockEnable(mxc_sys_periph_clock_t clock) { (void)clock; }
void MXC_SYS_ClockDisable(mxc_sys_periph_clock_t clock) { (void)clock; }
void MXC_SYS_Reset_Periph(int reset) { (void)reset; }
void MXC_ICC_Enable(mxc_icc_regs_t* icc) { (void)icc; }
void MXC_ICC_Disable(mxc_icc_regs_t* icc) { (void)icc; }
int MXC_Delay(uint32_t us) { (void)us; return E_NO_ERROR; }

void MXC_TMR_SW_Start(mxc_tmr_regs_t* tmr) {
  ai8x_timer_start[tmr - ai8x_tmr] = ai8x_host.time_us(ai8x_host.context);
}
unsigned int MXC_TMR_SW_Stop(mxc_tmr_regs_t* tmr) {
  return (unsigned int)(ai8x_host.time_us(ai8x_host.context) - ai8x_timer_start[tmr - ai8x_tmr] + 0.5);
}

void MXC_TMR_Delay(mxc_tmr_regs_t* tmr, uint32_t us) {
  (void)tmr;
  (void)us;
}

int MXC_GPIO_Config(const mxc_gpio_cfg_t* cfg) { (void)cfg; return E_NO_ERROR; }
void MXC_GPIO_OutSet(mxc_gpio_regs_t* port, uint32_t mask) { port->out |= mask; }
void MXC_GPIO_OutClr(mxc_gpio_regs_t* port, uint32_t mask) { port->out &= ~mask; }
void MXC_GPIO_OutToggle(mxc_gpio_regs_t* port, uint32_t mask) { port->out ^= mask; }
void LED_On(unsigned int led) { (void)led; }
void LED_Off(unsigned int led) { (void)led; }
void LED_Toggle(unsigned int led) { (void)led; }

/* The generated program's main(), renamed at compile time. */
int ai8x_generated_main(void);
#pragma weak cnn_unload

/* Runs main() as the board would. Returns how the run ended (the enum above). */
int ai8x_run(void) {
  const int how = setjmp(ai8x_exit);
  if (how != kRunning) return how;
  ai8x_generated_main();
  return kReturned;
}

/* The folder's cnn_unload() into `out` (at least ai8x_unload_capacity()
 * words); 0 when the folder has none. */
int ai8x_unload_capacity(void) {
#ifdef CNN_NUM_OUTPUTS
  return cnn_unload != NULL ? CNN_NUM_OUTPUTS : 0;
#else
  return 0;
#endif
}
void ai8x_unload(uint32_t* out) {
  if (cnn_unload != NULL) cnn_unload(out);
}
