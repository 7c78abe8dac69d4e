# Optional server modules: witness (C2SP tlog-witness) and etcd cluster storage. Included from
# server/CMakeLists.txt after tabella_server is defined: include(modules.cmake)
# Binary dirs are explicit so this file also works when included from another directory.
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/witness ${PROJECT_BINARY_DIR}/server/witness)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/etcd ${PROJECT_BINARY_DIR}/server/etcd)
