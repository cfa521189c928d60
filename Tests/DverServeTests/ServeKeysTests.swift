import DverServe
import DverSystem
import Foundation
import Testing

@Suite("serve.json: the key file is checked before a key is believed")
struct ServeKeysTests {
    private func withKeyFile(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "dver-serve-keys-\(UUID().uuidString)"
        try FileSystem.createDirectories(directory, durable: false)
        defer { try? FileSystem.removeTree(directory) }
        let path = directory + "/serve.json"
        try FileSystem.writeAtomically(path, bytes, durable: false)
        try body(path)
    }

    private static func file(id: String, secret: String) -> [UInt8] {
        let keys = ServeKeys(keys: [.init(accessKeyID: "DVERGOODGOODGOODGOOD", secretAccessKey: String(repeating: "s", count: 40)),
                                    .init(accessKeyID: id, secretAccessKey: secret)])
        return Array(try! JSONEncoder().encode(keys))
    }

    @Test("a written key loads back")
    func roundTrip() throws {
        try withKeyFile(Self.file(id: "DVERSECONDSECONDSECO", secret: String(repeating: "t", count: 40))) { path in
            let keys = try ServeKeys.load(from: path)
            #expect(keys.secret(for: "DVERSECONDSECONDSECO") == String(repeating: "t", count: 40))
        }
    }

    @Test("bad keys are refused by position, their text never echoed", arguments: [
        ("", String(repeating: "s", count: 40)),
        ("a/b", String(repeating: "s", count: 40)),
        ("DVER\u{1b}[31mRED", String(repeating: "s", count: 40)),
        (String(repeating: "A", count: 129), String(repeating: "s", count: 40)),
        ("DVERSHORTSECRET", "fifteen chars.."),
        ("DVERSPACESECRET", String(repeating: "s ", count: 20)),
        ("DVERNONASCII", String(repeating: "é", count: 20)),
    ])
    func badKeys(id: String, secret: String) throws {
        try withKeyFile(Self.file(id: id, secret: secret)) { path in
            #expect {
                try ServeKeys.load(from: path)
            } throws: { error in
                let text = "\(error)"
                return text.contains("key 2:") && text.contains(path) && !text.contains("\u{1b}") && (id.isEmpty || !text.contains(id))
            }
        }
    }

    @Test("a file that is not JSON keys, or is too large, is refused naming the file", arguments: [
        Array("{\"keys\": 3}".utf8),
        Array("not json".utf8),
        // Valid JSON with valid (no) keys, but over 1 MiB: never read.
        Array("{\"keys\": [], \"padding\": \"\(String(repeating: "x", count: 1 << 20))\"}".utf8),
    ])
    func badFiles(bytes: [UInt8]) throws {
        try withKeyFile(bytes) { path in
            #expect {
                try ServeKeys.load(from: path)
            } throws: { error in "\(error)".contains(path) }
        }
    }
}
