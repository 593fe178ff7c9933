// The peer figure the render and dispatch benchmarks hold DKIM signing against: what OpenSSL's
// own `openssl speed` signs per second with an RSA-2048 key on this machine, in the same run.
#pragma once

namespace brevduva::bench {

// Runs `openssl speed -seconds <seconds> rsa2048` and reads sign/s from its summary table;
// 0 when openssl cannot be run or its table cannot be read.
[[nodiscard]] double openssl_rsa2048_signs(int seconds);

}  // namespace brevduva::bench
