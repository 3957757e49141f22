# `wprof plot` and `wprof compare` (label `tools`): plots of synthetic reports at 4 and 512 ranks,
# parsed back; scaling tables of reports at 1, 2, 4 and 8 ranks and of a sweep directory.
tools_py_test(tools_plot check_plot.py ${CMAKE_CURRENT_BINARY_DIR}/plot-data)
tools_py_test(tools_compare check_compare.py ${CMAKE_CURRENT_BINARY_DIR}/compare-data)
