import CGit2

/// libgit2's process-wide state: initialized exactly once, never shut down.
enum LibGit2 {
    /// `git_libgit2_init`, run the first time anything touches libgit2 (a `static let` is
    /// initialized once, thread-safely).
    private static let initialized: Int32 = git_libgit2_init()

    static func ensureInitialized() { _ = initialized }

    /// Throws `GitError.library` with libgit2's last message when `code` is negative.
    @discardableResult
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) -> Int32 {
        guard code < 0 else { return code }
        throw .library(operation: operation(), code: code, message: lastMessage())
    }

    static func lastMessage() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown error" }
        return String(cString: message)
    }

    /// Copies a `git_buf` into a String and frees it.
    static func string(_ buffer: inout git_buf) -> String {
        defer { git_buf_dispose(&buffer) }
        guard let pointer = buffer.ptr else { return "" }
        return String(cString: pointer)
    }

    static func hex(_ oid: UnsafePointer<git_oid>) -> String {
        var text = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
        git_oid_tostr(&text, text.count, oid)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
