#if canImport(Glibc)
    import Glibc
#endif

/// `posix_spawn` attributes for a child that starts with no signal blocked and each signal's
/// default action, with `flags` (`POSIX_SPAWN_SETSID`, say) besides. A runner blocks SIGTERM and
/// SIGINT in its threads to handle them itself; a child would inherit that mask, and ignore them.
///
/// ```swift
/// let result = withChildSignalDefaults { attributes in
///     posix_spawn(&pid, path, &actions, &attributes, argv, envp)
/// }
/// ```
package func withChildSignalDefaults<Result>(flags: Int32 = 0, _ body: (inout posix_spawnattr_t) -> Result) -> Result {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaultSignals = sigset_t()
    sigfillset(&defaultSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    posix_spawnattr_setflags(&attributes, Int16(flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return body(&attributes)
}

/// Calls `body` with a NULL-terminated C array of the strings (an `argv` or an `envp`).
package func withCStrings<Result>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
    let pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return body(pointers + [nil])
}
