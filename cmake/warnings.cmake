# One interface target carries the project's warning and sanitizer flags, so
# every library and executable gets the same set by linking to it.
add_library(ai8x_options INTERFACE)
target_compile_options(ai8x_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations
  # Designated initializers that leave members at their defaults are intended.
  -Wno-missing-field-initializers)
if(AI8X_WERROR)
  target_compile_options(ai8x_options INTERFACE -Werror)
endif()
if(AI8X_SANITIZE)
  target_compile_options(ai8x_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(ai8x_options INTERFACE -fsanitize=address,undefined)
endif()
