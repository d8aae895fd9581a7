pub mod api;
pub mod health;
pub mod portal;
pub mod static_files;
