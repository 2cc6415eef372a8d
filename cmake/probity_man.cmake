# Writes the manual page of probity with help2man (cmake -P, called by the
# probity_man target): the usage and options come from `probity --help` and
# `--version`, a COMMANDS section from `probity help COMMAND` for every command
# `--help` lists, and the hand-written sections from deploy/probity.h2m.
#
#   cmake -DHELP2MAN=... -DPROBITY=... -DINCLUDE=deploy/probity.h2m -DOUTPUT=probity.1 -P probity_man.cmake
foreach(var HELP2MAN PROBITY INCLUDE OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "probity_man.cmake: -D${var}= is required")
  endif()
endforeach()

execute_process(COMMAND ${PROBITY} --help OUTPUT_VARIABLE top_help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROBITY} --help exited with ${rc}")
endif()

# The commands are the indented lines after "Subcommands:" (CLI11's layout).
string(REGEX REPLACE ".*\nSubcommands:\n" "" commands_block "${top_help}")
string(REPLACE "\n" ";" command_lines "${commands_block}")
set(commands_roff "[COMMANDS]\n")
foreach(line IN LISTS command_lines)
  if(NOT line MATCHES "^  ([a-z][a-z-]*) ")
    continue()
  endif()
  set(command ${CMAKE_MATCH_1})
  if(command STREQUAL "help")
    continue()
  endif()
  execute_process(COMMAND ${PROBITY} help ${command} OUTPUT_VARIABLE command_help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROBITY} help ${command} exited with ${rc}")
  endif()
  # roff: a backslash is \e, a line may not start with a control character.
  string(REPLACE "\\" "\\e" command_help "${command_help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" command_help "${command_help}")
  string(APPEND commands_roff ".SS ${command}\n.nf\n${command_help}.fi\n")
endforeach()
get_filename_component(output_dir ${OUTPUT} DIRECTORY)
file(WRITE ${output_dir}/probity-commands.h2m "${commands_roff}")

# `--version` is laid out as Prometheus tools lay it out ("probity, version X
# (branch: …)"), which help2man would read as a program called "probity,":
# give it the version alone.
execute_process(COMMAND ${PROBITY} --version OUTPUT_VARIABLE version_text RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT version_text MATCHES "version ([^ \n]+)")
  message(FATAL_ERROR "${PROBITY} --version did not print a version")
endif()
set(version ${CMAKE_MATCH_1})

execute_process(
  COMMAND ${HELP2MAN} --no-info --version-string=${version} --no-discard-stderr --section=1
          "--name=observability readiness probe agent"
          --include=${output_dir}/probity-commands.h2m --include=${INCLUDE}
          --output=${OUTPUT} ${PROBITY}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man exited with ${rc}")
endif()
