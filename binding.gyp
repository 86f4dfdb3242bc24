{
  # Canonical build of the addon (CMakeLists.txt builds the same sources with cmake-js).
  # zlib and OpenSSL come from node itself: headers in <nodedir>/include/node, symbols
  # exported by the node binary. zstd and libdeflate are compiled in from sources fetched at
  # build time (scripts/fetch-zstd.js, scripts/fetch-libdeflate.js).
  # ZSTD_MULTITHREAD stays undefined (zstd tests it with #ifdef): single-threaded zstd.
  # ZSTD_TRACE=0: no weak undefined ZSTD_trace_* hooks another library could satisfy.
  "targets": [
    {
      "target_name": "zstd",
      "type": "static_library",
      "sources": ["<!@(node scripts/fetch-zstd.js --sources)"],
      "include_dirs": ["deps/zstd/lib", "deps/zstd/lib/common"],
      "defines": ["ZSTD_TRACE=0", "XXH_NAMESPACE=ZSTD_", "ZSTDLIB_VISIBILITY=", "ZSTDERRORLIB_VISIBILITY="],
      "cflags!": ["-O2", "-O0", "-O1", "-Os"],
      "cflags": ["-O3", "-fPIC", "-fvisibility=hidden"],
      "cflags_c": ["-std=c99"],
      "conditions": [
        ["target_arch=='x64'",
          {"sources": ["deps/zstd/lib/decompress/huf_decompress_amd64.S"]},
          {"defines": ["ZSTD_DISABLE_ASM"]}]
      ],
      "direct_dependent_settings": {"include_dirs": ["deps/zstd/lib"], "defines": ["ZSTDLIB_VISIBILITY="]}
    },
    {
      # libdeflate's compressor only (gzip members of in-memory records), with its own flags.
      "target_name": "libdeflate",
      "type": "static_library",
      "sources": ["<!@(node scripts/fetch-libdeflate.js --sources)"],
      "include_dirs": ["deps/libdeflate"],
      "defines": ["_ANSI_SOURCE"],
      "cflags!": ["-O3", "-O0", "-O1", "-Os"],
      "cflags": ["-O2", "-fomit-frame-pointer", "-fPIC", "-fvisibility=hidden", "-Wno-sign-compare"],
      "cflags_c": ["-std=c99"],
      "direct_dependent_settings": {"include_dirs": ["deps/libdeflate"]}
    },
    {
      "target_name": "warcwire",
      "dependencies": ["zstd", "libdeflate"],
      "sources": [
        "native/addon.cc",
        "native/capture_block.cc",
        "native/compressor.cc",
        "native/deflate_member.cc",
        "native/digest.cc",
        "native/fault.cc",
        "native/guard.cc",
        "native/member.cc",
        "native/member_decoder.cc",
        "native/sink.cc",
        "native/sink_io.cc",
        "native/sink_record.cc",
        "native/spool.cc",
        "native/thread_budget.cc",
        "native/util.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # C++ exceptions stay enabled inside the addon (bad_alloc is caught on workers),
      # but none crosses N-API: node-addon-api's own exceptions are disabled above.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-O2"],
      # Linux: libstdc++ and libgcc linked in, so the addon needs no GLIBCXX/CXXABI version from
      # the host (docs/platforms.md); --exclude-libs keeps their symbols out of the export table.
      # -Bsymbolic: the addon's own std:: template code (vector growth...) binds inside the addon,
      # not to node's exported copies, whose exceptions (bad_alloc) the addon's static libstdc++
      # could not unwind: without it, out of memory on a worker aborted the process.
      "conditions": [
        ["OS=='linux'", {"ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL", "-Wl,-Bsymbolic"]}]
      ]
    }
  ]
}
