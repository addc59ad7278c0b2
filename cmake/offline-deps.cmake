# Used through CMAKE_TOOLCHAIN_FILE (see .cargo/config.toml): serve FetchContent
# dependencies from system packages so the engine builds without network.
if(EXISTS "/usr/include/simde")
  set(FETCHCONTENT_SOURCE_DIR_SIMDE "/usr/include" CACHE PATH "simde from libsimde-dev" FORCE)
endif()
