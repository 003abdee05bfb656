# cmake -DIN=file -DOUT=file.inc -P embed_text.cmake: writes IN's text as a
# C++ raw string literal, so a template is compiled into the binary and
# needs no file beside it at run time.
file(READ "${IN}" content)
string(FIND "${content}" ")HSEMBED\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )HSEMBED\"")
endif()
file(WRITE "${OUT}.tmp" "R\"HSEMBED(${content})HSEMBED\"\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
