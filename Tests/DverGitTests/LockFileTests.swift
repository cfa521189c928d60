import DverCore
@testable import DverGit
import Foundation
import Testing

@Suite("dver.lock format")
struct LockFileTests {
    static let a = ObjectID(hex: String(repeating: "a1", count: 32))!
    static let b = ObjectID(hex: String(repeating: "b2", count: 32))!

    @Test("renders sorted lines under a version header and parses back")
    func roundTrip() throws {
        let lock = LockFile(entries: [
            .init(repo: "raw", branch: "main", commit: Self.a, path: "data/raw"),
            .init(repo: "images", branch: nil, commit: Self.b, path: "data/my images"),
        ])
        let text = lock.rendered()
        #expect(text.hasSuffix("""
            dver-lock 1
            images - \(Self.b.hex) data/my images
            raw main \(Self.a.hex) data/raw

            """))
        #expect(try LockFile.parse(text) == lock)
        #expect(lock.entries.map(\.repo) == ["images", "raw"])
    }

    @Test("an empty lock is just the header")
    func empty() throws {
        let text = LockFile(entries: []).rendered()
        #expect(try LockFile.parse(text).entries.isEmpty)
    }

    @Test("malformed files are rejected with the line", arguments: [
        ("raw main abc data/raw\n", 1),
        ("dver-lock 2\n", 1),
        ("dver-lock 1\nraw main 1234 data/raw\n", 2),
        ("dver-lock 1\nraw main\n", 2),
        ("dver-lock 1\n<<<<<<< ours\n", 2),
    ])
    func malformed(text: String, line: Int) {
        #expect {
            try LockFile.parse(text, source: "x")
        } throws: { error in
            guard case GitError.malformedLock(_, let reported, _) = error else { return false }
            return reported == line
        }
    }

    @Test("hostile names in a lock from git are refused with their line: mounts into .git or out of the project, traversal",
          arguments: ["hooks main A .git/hooks", "hooks main A sub/.GIT/hooks", "x main A ../outside", "x main A /etc",
                      "x main A data/../../x", "x main A .dver/packs", "../x main A data/x", "a/b main A data/x",
                      "x ../../heads A data/x", "x main A data//x", "x main A ."])
    func hostileNames(line: String) {
        let text = "dver-lock 1\n" + line.replacingOccurrences(of: " A ", with: " \(Self.a.hex) ") + "\n"
        #expect {
            try LockFile.parse(text, source: "x")
        } throws: { error in
            guard case GitError.malformedLock(_, let reported, _) = error else { return false }
            return reported == 2
        }
    }

    @Test("a repo listed twice is rejected")
    func duplicate() {
        let text = "dver-lock 1\nraw main \(Self.a.hex) data/raw\nraw main \(Self.b.hex) data/raw\n"
        #expect(throws: GitError.self) { try LockFile.parse(text) }
    }
}
