// The one translation unit that compiles Boost.Asio and Boost.Beast's non-template code
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are set on reflector_http),
// so server.cpp does not rebuild it on every change.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
