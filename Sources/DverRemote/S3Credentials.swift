import DverSystem
import Foundation

/// An access key pair for SigV4. `description` never shows the secret.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "S3Credentials(\(accessKeyID.prefix(4))…, secret hidden\(sessionToken == nil ? "" : ", session token hidden"))"
    }

    /// Why these keys cannot go into HTTP headers (a control character, e.g. a newline pasted
    /// with a token, would end the header early), or nil.
    var headerProblem: String? {
        let fields = [("access key id", accessKeyID), ("session token", sessionToken ?? "")]
        for (name, value) in fields where value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "the \(name) contains a control character"
        }
        return nil
    }

    /// Credentials from, in order: the remote's `profile` in the shared credentials file,
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), the `AWS_PROFILE`
    /// profile, the `default` profile. The file is `AWS_SHARED_CREDENTIALS_FILE` or
    /// `~/.aws/credentials`. A profile's session token is `aws_session_token`; with a token,
    /// every request carries it in a signed `x-amz-security-token` header.
    public static func resolve(profile: String?, environment: [String: String]) -> S3Credentials? {
        let profiles = SharedConfigFile.load(environment["AWS_SHARED_CREDENTIALS_FILE"]
                                             ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials")
        func fromProfile(_ name: String) -> S3Credentials? {
            guard let section = profiles[name], let key = section["aws_access_key_id"],
                  let secret = section["aws_secret_access_key"] else { return nil }
            return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(section["aws_session_token"]))
        }
        if let profile, let found = fromProfile(profile) { return found }
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty,
           let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            return S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]))
        }
        if let name = environment["AWS_PROFILE"], let found = fromProfile(name) { return found }
        return fromProfile("default")
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The region: the remote's, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's in
    /// `~/.aws/config` (`AWS_CONFIG_FILE`), else `us-east-1`.
    public static func region(configured: String?, profile: String?, environment: [String: String]) -> String {
        if let configured, !configured.isEmpty { return configured }
        if let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty { return region }
        let config = SharedConfigFile.load(environment["AWS_CONFIG_FILE"]
                                           ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.aws/config")
        let name = profile ?? environment["AWS_PROFILE"] ?? "default"
        let section = name == "default" ? config["default"] : (config["profile \(name)"] ?? config[name])
        return section?["region"] ?? "us-east-1"
    }
}

/// The INI files of the AWS CLI: `[section]` then `key = value` lines.
enum SharedConfigFile {
    static func load(_ path: String) -> [String: [String: String]] {
        guard let bytes = try? FileSystem.readFile(path) else { return [:] }
        var sections = [String: [String: String]]()
        var current: String?
        for rawLine in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
