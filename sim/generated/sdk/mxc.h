/* ai8xsim's stand-in for the MSDK headers that generated code includes.
 * Just enough for the generator's cnn.c / main.c / softmax.c to compile on the
 * host: peripheral registers are plain structs in host memory, and the calls
 * that matter to a run (interrupt vector, sleep, timer, printf) reach the
 * simulator through ai8x_host.c. Accelerator accesses are not here: they use
 * literal addresses, which ai8xsim traps and routes to the model. */
#ifndef AI8XSIM_MXC_H
#define AI8XSIM_MXC_H

#include <stdint.h>

typedef enum { CNN_IRQn = 84 } IRQn_Type;

/* ---- global control (GCR) */
typedef struct {
  volatile uint32_t sysctrl, rst0, clkctrl, pm, pclkdiv, pclkdis0, memctrl, memz, sysst, rst1, pclkdis1, eventen,
      revision, sysie, eccerr, eccced, eccie, eccaddr, btleldoctrl, btleldodly, gpr0, ipll_ctrl;
} mxc_gcr_regs_t;
extern mxc_gcr_regs_t ai8x_gcr;
#define MXC_GCR (&ai8x_gcr)
#define MXC_F_GCR_PCLKDIV_CNNCLKDIV (0x7u << 14)
#define MXC_F_GCR_PCLKDIV_CNNCLKSEL (0x3u << 17)
#define MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV1 (0x0u << 14)
#define MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV2 (0x1u << 14)
#define MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV4 (0x2u << 14)
#define MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV8 (0x3u << 14)
#define MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV16 (0x4u << 14)
#define MXC_S_GCR_PCLKDIV_CNNCLKSEL_PCLK (0x0u << 17)
#define MXC_S_GCR_PCLKDIV_CNNCLKSEL_ISO (0x1u << 17)
#define MXC_S_GCR_PCLKDIV_CNNCLKSEL_IPLL (0x2u << 17)
#define MXC_F_GCR_IPLL_CTRL_EN (1u << 0)
#define MXC_F_GCR_IPLL_CTRL_RDY (1u << 8)
#define MXC_F_GCR_ITO_CTRL_EN MXC_F_GCR_IPLL_CTRL_EN
#define MXC_F_GCR_ITO_CTRL_RDY MXC_F_GCR_IPLL_CTRL_RDY
#define MXC_S_GCR_PCLKDIV_CNNCLKSEL_ITO MXC_S_GCR_PCLKDIV_CNNCLKSEL_IPLL
#define MXC_F_GCR_CLKCTRL_IPO_EN (1u << 19)
#define MXC_F_GCR_CLKCTRL_IPO_RDY (1u << 27)
#define MXC_S_GCR_CLKCTRL_SYSCLK_SEL_IPO (0x4u << 9)
#define MXC_F_GCR_PCLKDIS0_CNN (1u << 25)
/* Power sequencer (RISC-V core power on MAX78000). */
typedef struct {
  volatile uint32_t lpctrl, lpwkfl0, lpwken0, lpwkfl1, lpwken1, lpwkfl2, lpwken2, lpwkfl3, lpwken3, lppwst, lppwen;
} mxc_pwrseq_regs_t;
extern mxc_pwrseq_regs_t ai8x_pwrseq;
#define MXC_PWRSEQ (&ai8x_pwrseq)
#define MXC_F_PWRSEQ_LPPWEN_CPU1 (1u << 2)

/* ---- CNN power domains (GCFR on MAX78000/MAX78002, BBFC on early parts) */
typedef struct {
  volatile uint32_t reg0, reg1, reg2, reg3;
} mxc_gcfr_regs_t;
typedef mxc_gcfr_regs_t mxc_bbfc_regs_t;
extern mxc_gcfr_regs_t ai8x_gcfr;
#define MXC_GCFR (&ai8x_gcfr)
#define MXC_BBFC (&ai8x_gcfr)

/* ---- function control (FCR) and semaphores (RISC-V hand-off) */
typedef struct {
  volatile uint32_t fctrl0, autocal0, autocal1, autocal2, urvbootaddr, urvctrl;
} mxc_fcr_regs_t;
extern mxc_fcr_regs_t ai8x_fcr;
#define MXC_FCR (&ai8x_fcr)
typedef struct {
  volatile uint32_t semaphores[8], irq0, mail0, irq1, mail1, status;
} mxc_sema_regs_t;
extern mxc_sema_regs_t ai8x_sema;
#define MXC_SEMA (&ai8x_sema)
#define MXC_F_SEMA_IRQ0_EN (1u << 0)
#define MXC_F_SEMA_IRQ0_CM4_IRQ (1u << 16)
#define MXC_F_SEMA_IRQ1_EN (1u << 0)
#define MXC_F_SEMA_IRQ1_RV32_IRQ (1u << 16)

/* ---- system: clocks, cache, delays, low power */
typedef enum {
  MXC_SYS_PERIPH_CLOCK_CNN = 25,
  MXC_SYS_PERIPH_CLOCK_SMPHR = 41,
  MXC_SYS_PERIPH_CLOCK_CPU1 = 63,
  MXC_SYS_PERIPH_CLOCK_TMR0 = 15,
  MXC_SYS_PERIPH_CLOCK_TMR1 = 16
} mxc_sys_periph_clock_t;
typedef enum {
  MXC_SYS_CLOCK_IPO = 0,
  MXC_SYS_CLOCK_ISO = 1,
  MXC_SYS_CLOCK_IPLL = 2,
  MXC_SYS_CLOCK_IBRO = 3,
  MXC_SYS_CLOCK_ERTCO = 4
} mxc_sys_system_clock_t;
typedef struct {
  volatile uint32_t ctrl;
} mxc_icc_regs_t;
extern mxc_icc_regs_t ai8x_icc[2];
#define MXC_ICC0 (&ai8x_icc[0])
#define MXC_ICC1 (&ai8x_icc[1])
#define MXC_ICC (&ai8x_icc[0])
extern uint32_t SystemCoreClock;
void SystemCoreClockUpdate(void);
int MXC_SYS_Clock_Select(mxc_sys_system_clock_t clock);
int MXC_SYS_ClockSourceEnable(mxc_sys_system_clock_t clock);
void MXC_SYS_ClockEnable(mxc_sys_periph_clock_t clock);
void MXC_SYS_ClockDisable(mxc_sys_periph_clock_t clock);
void MXC_SYS_Reset_Periph(int reset);
void MXC_ICC_Enable(mxc_icc_regs_t* icc);
void MXC_ICC_Disable(mxc_icc_regs_t* icc);
#define SEC(s) ((uint32_t)(s) * 1000000u)
#define MSEC(ms) ((uint32_t)(ms) * 1000u)
#define USEC(us) ((uint32_t)(us))
int MXC_Delay(uint32_t us);
void MXC_LP_EnterSleepMode(void);
void MXC_LP_EnterLowPowerMode(void);
void MXC_LP_ClearWakeStatus(void);
void __WFI(void);
void __enable_irq(void);
void __disable_irq(void);

/* ---- interrupts */
void MXC_NVIC_SetVector(IRQn_Type irq, void (*handler)(void));
#define NVIC_SetVector(irq, handler) MXC_NVIC_SetVector((irq), (void (*)(void))(handler))
void NVIC_EnableIRQ(IRQn_Type irq);
void NVIC_DisableIRQ(IRQn_Type irq);
void NVIC_ClearPendingIRQ(IRQn_Type irq);
void NVIC_EnableEVENT(IRQn_Type irq);
void NVIC_ClearPendingEVENT(IRQn_Type irq);

/* ---- timers: the stopwatch reads the simulator's time */
typedef struct {
  volatile uint32_t cnt, cmp, pwm, intfl, ctrl0, nolcmp, ctrl1, wkfl;
} mxc_tmr_regs_t;
extern mxc_tmr_regs_t ai8x_tmr[6];
#define MXC_TMR0 (&ai8x_tmr[0])
#define MXC_TMR1 (&ai8x_tmr[1])
#define MXC_TMR2 (&ai8x_tmr[2])
#define MXC_TMR3 (&ai8x_tmr[3])
#define MXC_TMR4 (&ai8x_tmr[4])
#define MXC_TMR5 (&ai8x_tmr[5])
void MXC_TMR_SW_Start(mxc_tmr_regs_t* tmr);
unsigned int MXC_TMR_SW_Stop(mxc_tmr_regs_t* tmr);
void MXC_TMR_Delay(mxc_tmr_regs_t* tmr, uint32_t us);

/* ---- GPIO and board LEDs */
typedef struct {
  volatile uint32_t en0, en0_set, en0_clr, outen, outen_set, outen_clr, out, out_set, out_clr, in;
} mxc_gpio_regs_t;
extern mxc_gpio_regs_t ai8x_gpio[4];
#define MXC_GPIO0 (&ai8x_gpio[0])
#define MXC_GPIO1 (&ai8x_gpio[1])
#define MXC_GPIO2 (&ai8x_gpio[2])
#define MXC_GPIO3 (&ai8x_gpio[3])
#define MXC_GPIO_PIN_0 (1u << 0)
#define MXC_GPIO_PIN_1 (1u << 1)
#define MXC_GPIO_PIN_2 (1u << 2)
#define MXC_GPIO_PIN_3 (1u << 3)
#define MXC_GPIO_PIN_4 (1u << 4)
#define MXC_GPIO_PIN_5 (1u << 5)
#define MXC_GPIO_PIN_6 (1u << 6)
#define MXC_GPIO_PIN_7 (1u << 7)
typedef enum { MXC_GPIO_PAD_NONE, MXC_GPIO_PAD_PULL_UP, MXC_GPIO_PAD_PULL_DOWN } mxc_gpio_pad_t;
typedef enum { MXC_GPIO_FUNC_IN, MXC_GPIO_FUNC_OUT, MXC_GPIO_FUNC_ALT1 } mxc_gpio_func_t;
typedef enum { MXC_GPIO_VSSEL_VDDIO, MXC_GPIO_VSSEL_VDDIOH } mxc_gpio_vssel_t;
typedef struct {
  mxc_gpio_regs_t* port;
  uint32_t mask;
  mxc_gpio_func_t func;
  mxc_gpio_pad_t pad;
  mxc_gpio_vssel_t vssel;
} mxc_gpio_cfg_t;
int MXC_GPIO_Config(const mxc_gpio_cfg_t* cfg);
void MXC_GPIO_OutSet(mxc_gpio_regs_t* port, uint32_t mask);
void MXC_GPIO_OutClr(mxc_gpio_regs_t* port, uint32_t mask);
void MXC_GPIO_OutToggle(mxc_gpio_regs_t* port, uint32_t mask);
void LED_On(unsigned int led);
void LED_Off(unsigned int led);
void LED_Toggle(unsigned int led);

#define E_NO_ERROR 0

#endif
