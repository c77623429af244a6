#include "smtp_connection.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

namespace webvps::mailer {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kDataChunk = 64 * 1024;

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

class Connection final : public SmtpConnection {
 public:
  Connection(asio::io_context& io, const SmtpConnectionOptions& options, std::vector<SmtpEnvelope> envelopes,
             std::vector<MessageData> data, Callbacks callbacks)
      : options_(options),
        client_(options.client, std::move(envelopes)),
        data_(std::move(data)),
        callbacks_(std::move(callbacks)),
        resolver_(io),
        stream_(io, *options.tls_context),
        timer_(io) {}

  void Begin() {
    SSL* ssl = stream_.native_handle();
    if (IsIpAddress(options_.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, options_.host.c_str());
      SSL_set1_host(ssl, options_.host.c_str());
    }
    Arm("connecting to " + Where());
    auto self = Self();
    resolver_.async_resolve(options_.host, std::to_string(options_.port), [this, self](error_code error, tcp::resolver::results_type results) {
      if (error) return Lost("resolve " + options_.host + ": " + error.message());
      asio::async_connect(stream_.next_layer(), results, [this, self](error_code connect_error, const tcp::endpoint&) {
        if (connect_error) return Lost("connect to " + Where() + ": " + connect_error.message());
        error_code ignored;
        stream_.next_layer().set_option(tcp::no_delay(true), ignored);
        if (options_.tls == TlsMode::kTls) return Handshake();
        Read();
      });
    });
  }

  void Stop() override {
    if (done_) return;
    client_.OnConnectionLost("the mailer is stopping");
    Finish();
  }

 private:
  std::shared_ptr<Connection> Self() { return std::static_pointer_cast<Connection>(shared_from_this()); }
  std::string Where() const { return options_.host + ":" + std::to_string(options_.port); }

  // One timeout for every wait: no progress (a reply, a write) for this long ends the session.
  void Arm(const std::string& what) {
    waiting_for_ = what;
    timer_.expires_after(options_.timeout);
    auto self = Self();
    timer_.async_wait([this, self](error_code error) {
      if (error || done_) return;
      Lost("timed out after " + std::to_string(options_.timeout.count()) + " s " + waiting_for_);
    });
  }

  void Lost(const std::string& why) {
    if (done_) return;
    client_.OnConnectionLost(why);
    Deliver();
    Finish();
  }

  void Finish() {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close(ignored);
    Deliver();
    if (callbacks_.finished) callbacks_.finished(client_);
  }

  void Deliver() {
    for (const auto& result : client_.TakeResults()) {
      if (callbacks_.message) callbacks_.message(result);
    }
  }

  void Perform(const std::vector<SmtpClient::Action>& actions) {
    for (const auto& action : actions) {
      switch (action.step) {
        case SmtpClient::Step::kSend:
          outbox_.push_back(action.bytes);
          break;
        case SmtpClient::Step::kStartTls:
          tls_pending_ = true;
          break;
        case SmtpClient::Step::kSendData:
          StartData(action.message);
          break;
        case SmtpClient::Step::kClose:
          closing_ = true;
          break;
      }
    }
    Deliver();
    Write();
  }

  void Read() {
    if (reading_ || done_ || tls_pending_ || handshaking_) return;
    reading_ = true;
    Arm("waiting for the relay's reply");
    auto self = Self();
    auto handler = [this, self](error_code error, size_t got) {
      reading_ = false;
      if (done_) return;
      if (error) return Lost(error == asio::error::eof ? "the relay closed the connection" : "read: " + error.message());
      std::vector<SmtpReplyLines> replies;
      if (Status parsed = parser_.Feed(std::string_view(read_buffer_.data(), got), replies); !parsed.ok()) {
        return Lost("the relay's answer is not SMTP: " + parsed.error().message());
      }
      for (const auto& reply : replies) {
        if (done_ || client_.done()) break;
        Perform(client_.OnReply(reply));
      }
      if (done_) return;
      if (client_.done() && outbox_.empty() && !writing_) return Finish();
      if (tls_pending_ && !writing_ && outbox_.empty()) return Handshake();
      Read();
    };
    if (tls_active_) stream_.async_read_some(asio::buffer(read_buffer_), handler);
    else stream_.next_layer().async_read_some(asio::buffer(read_buffer_), handler);
  }

  void Handshake() {
    if (handshaking_) return;
    tls_pending_ = false;
    handshaking_ = true;
    Arm("in the TLS handshake");
    auto self = Self();
    stream_.async_handshake(ssl::stream_base::client, [this, self](error_code error) {
      handshaking_ = false;
      if (done_) return;
      if (error) {
        long verify = SSL_get_verify_result(stream_.native_handle());
        std::string why = verify != X509_V_OK ? std::string("TLS: the relay's certificate is not trusted for ") + options_.host +
                                                    " (" + X509_verify_cert_error_string(verify) + ")"
                                              : "TLS handshake: " + error.message();
        client_.OnTlsFailed(why);  // its QUIT is not sent: the connection is in no state to carry it
        return Finish();
      }
      tls_active_ = true;
      if (options_.tls == TlsMode::kStartTls) Perform(client_.OnTlsUp());
      Read();
    });
  }

  void StartData(size_t index) {
    streaming_ = true;
    data_index_ = index;
    data_offset_ = data_[index].body_offset;
    encoder_ = DataEncoder();
    auto headers = ReadHeaderBlock(data_[index]);
    if (!headers.ok()) return DataFailed(headers.error().message());
    std::string first;
    if (Status fed = encoder_.Feed(*headers, first); !fed.ok()) return DataFailed(fed.error().message());
    if (!first.empty()) outbox_.push_back(std::move(first));
  }

  // The next piece of the message, read from its file and encoded; the last one ends the data.
  void FillData() {
    auto raw = ReadBodyPiece(data_[data_index_], data_offset_, kDataChunk);
    if (!raw.ok()) return DataFailed(raw.error().message());
    data_offset_ += raw->size();
    std::string encoded;
    if (Status fed = encoder_.Feed(*raw, encoded); !fed.ok()) return DataFailed(fed.error().message());
    if (raw->empty()) {
      encoder_.Finish(encoded);
      streaming_ = false;
      data_ending_ = true;
      // The file is not needed any more: the session does not keep 50 of them open.
      data_[data_index_].file = UniqueFd();
    }
    outbox_.push_back(std::move(encoded));
  }

  void DataFailed(const std::string& why) {
    streaming_ = false;
    outbox_.clear();
    Perform(client_.OnDataFailed(data_index_, {554, "not sent: " + why}));
  }

  void Write() {
    if (writing_ || done_) return;
    if (outbox_.empty() && streaming_) FillData();
    if (outbox_.empty()) {
      if (data_ending_) {
        data_ending_ = false;
        Perform(client_.OnDataSent(data_index_));
        return;
      }
      if (closing_) return Finish();
      if (tls_pending_ && !reading_) return Handshake();
      return;
    }
    writing_ = true;
    current_write_ = std::move(outbox_.front());
    outbox_.pop_front();
    Arm("writing to the relay");
    auto self = Self();
    auto handler = [this, self](error_code error, size_t) {
      writing_ = false;
      if (done_) return;
      if (error) return Lost("write: " + error.message());
      if (!reading_ && !tls_pending_ && !closing_) Read();
      Write();
    };
    if (tls_active_) asio::async_write(stream_, asio::buffer(current_write_), handler);
    else asio::async_write(stream_.next_layer(), asio::buffer(current_write_), handler);
  }

  SmtpConnectionOptions options_;
  SmtpClient client_;
  std::vector<MessageData> data_;
  Callbacks callbacks_;
  tcp::resolver resolver_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  SmtpReplyParser parser_;
  std::array<char, 4096> read_buffer_{};
  std::deque<std::string> outbox_;
  std::string current_write_;
  std::string waiting_for_;
  DataEncoder encoder_;
  size_t data_index_ = 0;
  uint64_t data_offset_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool tls_pending_ = false;
  bool tls_active_ = false;
  bool handshaking_ = false;
  bool streaming_ = false;
  bool data_ending_ = false;
  bool closing_ = false;
  bool done_ = false;
};

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  error_code error;
  context->set_default_verify_paths(error);
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, error);
    if (error) return Error("smtp.ca_file: cannot load " + ca_file + " as PEM certificates: " + error.message());
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

std::shared_ptr<SmtpConnection> SmtpConnection::Start(asio::io_context& io, const SmtpConnectionOptions& options,
                                                      std::vector<SmtpEnvelope> envelopes, std::vector<MessageData> data,
                                                      Callbacks callbacks) {
  auto connection = std::make_shared<Connection>(io, options, std::move(envelopes), std::move(data), std::move(callbacks));
  connection->Begin();
  return connection;
}

}  // namespace webvps::mailer
