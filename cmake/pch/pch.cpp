// The donor of a precompiled header (cmake/TabellaPch.cmake): compiled only so that CMake
// builds the header once; its object is linked nowhere.
