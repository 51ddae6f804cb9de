# Cases the SystemC model does not pass yet, each with its cause (docs/status.md).
# They are disabled rather than removed so ctest lists them as "Not Run"; take a
# case out of this list when it passes.
set(ai8x_known_model_failures
  # A calcx4 layer after a non-calcx4 layer: the generator loads its kernels at
  # columns the mask start register does not point to; the hardware's addressing
  # for this mix is not understood yet.
  t87-ffsx4readahead-cifar10-hwc
  t87-fifostream-x4-cifar-hwc
  # The trace sends only channel 0 through the fast FIFO (one byte per word) while
  # the known answer needs all 3 input channels.
  t85-fifostream-group-notvga64x48-hwc
)
set(ai8x_known_systemc_failures
  ${ai8x_known_model_failures}
  # No trace to compare the compiled program with; one word of layer 3 saturates
  # differently (0x80 vs 0x7f) in calcx4 + read-ahead multi-pass.
  t87-ffsx4readahead-nopad-multipass5-w8
)
foreach(c ${ai8x_known_model_failures})
  if(TEST replay/${c})
    set_tests_properties(replay/${c} PROPERTIES DISABLED TRUE)
  endif()
endforeach()
foreach(c ${ai8x_known_systemc_failures})
  if(TEST systemc/${c})
    set_tests_properties(systemc/${c} PROPERTIES DISABLED TRUE)
  endif()
endforeach()
