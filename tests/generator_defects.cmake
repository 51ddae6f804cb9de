# Cases whose generated programming cannot give the known answer on the chip.
# The generator's known answer comes from its own arithmetic, not from the
# programming it emits; for these the model computes what the chip would, says
# why, and fails the KAT as the board would. Their tests expect that diagnosis
# (docs/status.md, "Generator defects").

# A calcx4 layer after a non-calcx4 layer: the generator places the calcx4
# kernels at kernel-memory words the earlier layer's kernels occupy, so one
# load overwrites the other before the start.
set(ai8x_defect_kernel_overlap
  t87-ffsx4readahead-cifar10-hwc
  t87-fifostream-x4-cifar-hwc
  t87-ffsx4readahead-nopad-multipass5-w8
)
# Input processors in three quadrants fed by the fast FIFO: the generated
# load_input() sends one byte per word (channel 0), so channels 1 and 2 never
# reach the accelerator.
set(ai8x_defect_unfed_input
  t85-fifostream-group-notvga64x48-hwc
)

# A depthwise layer moving channels from input processors spread over the
# quadrants: the generator points each quadrant's write pointer as if the
# input processors were contiguous (project case).
set(ai8x_defect_depthwise_target
  x87-depthwise-move-spread
)

function(ai8x_expect_defect cases regex)
  foreach(c ${cases})
    foreach(mode replay systemc)
      if(TEST ${mode}/${c})
        set_tests_properties(${mode}/${c} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*KAT: FAIL")
        set_property(TEST ${mode}/${c} PROPERTY FAIL_REGULAR_EXPRESSION)
        set_property(TEST ${mode}/${c} APPEND PROPERTY LABELS generator-defect)
      endif()
    endforeach()
  endforeach()
endfunction()
ai8x_expect_defect("${ai8x_defect_kernel_overlap}" "loaded twice with different data")
ai8x_expect_defect("${ai8x_defect_unfed_input}" "no FIFO byte feeds them")
ai8x_expect_defect("${ai8x_defect_depthwise_target}" "the generator points quadrant 1's write pointer")
