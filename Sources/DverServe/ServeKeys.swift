import DverCore
import DverSystem
import Foundation

/// The access keys `dver serve` accepts, from `.dver/serve.json` (mode 0600; FORMAT.md):
///
///     {"keys": [{"access_key_id": "DVER…", "secret_access_key": "…"}]}
///
/// `dver serve --new-key` adds a random pair and prints it once.
public struct ServeKeys: Sendable, Codable, Equatable {
    public struct Key: Sendable, Codable, Equatable {
        public var accessKeyID: String
        public var secretAccessKey: String

        enum CodingKeys: String, CodingKey {
            case accessKeyID = "access_key_id"
            case secretAccessKey = "secret_access_key"
        }

        public init(accessKeyID: String, secretAccessKey: String) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }
    }

    public var keys: [Key]

    public init(keys: [Key] = []) { self.keys = keys }

    public func secret(for accessKeyID: String) -> String? {
        keys.first { $0.accessKeyID == accessKeyID }?.secretAccessKey
    }

    /// Largest key file read: thousands of keys; anything larger is not one.
    static let maximumFileSize: Int64 = 1 << 20

    /// The keys in `path`; none when the file does not exist. Ids and secrets must be printable
    /// ASCII (ids: 1-128 characters without `/`; secrets: 16-128), so nothing from the file
    /// reaches a message or a signature unchecked.
    /// - Throws: `ServeError.badKeys` naming the file and the problem.
    public static func load(from path: String) throws -> ServeKeys {
        guard let status = try FileSystem.linkStatusIfExists(path) else { return ServeKeys() }
        guard status.kind == .regular, status.size <= maximumFileSize else {
            throw ServeError.badKeys(path: path, reason: "it is not a regular file of at most \(maximumFileSize) bytes")
        }
        let keys: ServeKeys
        do {
            keys = try JSONDecoder().decode(ServeKeys.self, from: Data(try FileSystem.readFile(path)))
        } catch {
            throw ServeError.badKeys(path: path, reason: "it is not {\"keys\": [{\"access_key_id\": …, \"secret_access_key\": …}]}")
        }
        func printable(_ text: String, _ lengths: ClosedRange<Int>) -> Bool {
            lengths.contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        }
        for (number, key) in keys.keys.enumerated() {
            guard printable(key.accessKeyID, 1...128), !key.accessKeyID.contains("/"), printable(key.secretAccessKey, 16...128) else {
                throw ServeError.badKeys(path: path, reason: "key \(number + 1): ids must be 1-128 printable ASCII characters without '/', "
                                         + "secrets 16-128 printable ASCII characters")
            }
        }
        return keys
    }

    /// Writes the keys, readable by the owner only.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileSystem.writeAtomically(path, Array(try encoder.encode(self)) + [10], durable: true, mode: 0o600)
    }

    /// A new random key pair: a 20-character id (`DVER` + 16) and a 40-character secret.
    public static func generate() -> Key {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var generator = SystemRandomNumberGenerator()
        let id = "DVER" + String(decoding: (0..<16).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
        let secret = String(decoding: (0..<40).map { _ in secretAlphabet.randomElement(using: &generator)! }, as: UTF8.self)
        return Key(accessKeyID: id, secretAccessKey: secret)
    }
}

/// Errors of starting or configuring the server (request errors are `S3Error`s).
public enum ServeError: Error, Sendable, CustomStringConvertible {
    case badKeys(path: String, reason: String)
    case noKeys(path: String)
    case anonymousNotLoopback(host: String)
    case badListenAddress(String)
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .badKeys(let path, let reason):
            return "'\(path)' is not a valid key file: \(reason)"
        case .noKeys(let path):
            return "no access keys in '\(path)': create one with 'dver serve --new-key', or serve without authentication on loopback with --anonymous"
        case .anonymousNotLoopback(let host):
            return "--anonymous on '\(host)' would let anyone who reaches it read every repo; listen on 127.0.0.1, or add --anonymous-beyond-loopback if that is what you want"
        case .badListenAddress(let text):
            return "'\(text)' is not HOST:PORT (for example 127.0.0.1:8333)"
        case .cannotListen(let address, let reason):
            return "cannot listen on \(address): \(reason)"
        }
    }
}
