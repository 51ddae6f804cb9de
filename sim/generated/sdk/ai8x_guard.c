/* Linked last: zeroed room after the generated code's static data. A
 * cnn_unload() that writes past its buffer (the generated main() sizes
 * ml_data by CNN_NUM_OUTPUTS, which some networks' unload exceeds) runs into
 * this instead of the simulator's memory; ai8xsim reports how far it got. */
char ai8x_overrun_guard[16 << 20];
