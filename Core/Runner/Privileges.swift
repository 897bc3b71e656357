import Foundation

/// Drops root privileges after the tree has started (so it could bind ports below 1024): the
/// group first, then the supplementary groups, then the user — the order that works.
struct Privileges {
    let uid: uid_t?
    let gid: gid_t?
    let userName: String?

    /// Looks `user` and `group` up (names or numbers); the user's own group when no group is
    /// given.
    init(user: String?, group: String?) throws(RunnerError) {
        var uid: uid_t?
        var gid: gid_t?
        var userName: String?
        if let user {
            guard let entry = user.withCString({ getpwnam($0) }) ?? UInt32(user).flatMap({ getpwuid($0) }) else {
                throw RunnerError(.configuration, "setting user: no such user \"\(user)\"")
            }
            uid = entry.pointee.pw_uid
            gid = entry.pointee.pw_gid
            userName = String(cString: entry.pointee.pw_name)
        }
        if let group {
            guard let entry = group.withCString({ getgrnam($0) }) ?? UInt32(group).flatMap({ getgrgid($0) }) else {
                throw RunnerError(.configuration, "setting group: no such group \"\(group)\"")
            }
            gid = entry.pointee.gr_gid
        }
        self.uid = uid
        self.gid = gid
        self.userName = userName
    }

    var isEmpty: Bool { uid == nil && gid == nil }

    /// setgid, initgroups, setuid — in that order.
    func drop() throws(RunnerError) {
        if let gid {
            guard setgid(gid) == 0 else { throw failure("setgid(\(gid))") }
            if let userName {
                guard initgroups(userName, gid) == 0 else { throw failure("initgroups(\(userName))") }
            } else {
                guard setgroups(1, [gid]) == 0 else { throw failure("setgroups(\(gid))") }
            }
        }
        if let uid {
            guard setuid(uid) == 0 else { throw failure("setuid(\(uid))") }
        }
    }

    private func failure(_ call: String) -> RunnerError {
        RunnerError(.failure, "cannot drop privileges: \(call): \(String(cString: strerror(errno)))")
    }
}
