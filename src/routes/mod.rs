pub mod api;
pub mod guard;
pub mod health;
pub mod portal;
pub mod static_files;
