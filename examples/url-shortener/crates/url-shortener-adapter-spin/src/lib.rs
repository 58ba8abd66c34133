//! The url-shortener example as a Spin component.

edgezero_adapter_spin::component!(url_shortener_core::App);
